package dev.spindle.spi;

/**
 * A source of readiness events that the runtime drives from its parking path: the hook through which the
 * I/O module plugs a {@code java.nio.channels.Selector} into the scheduler (docs/ARCHITECTURE.md, "The reactor").
 *
 * <h2>Who calls what</h2>
 * <ul>
 *   <li>{@link #poll(long)} is called by <b>one thread at a time</b>: the worker that owns the runtime's driver.
 *       A worker about to park takes the driver and blocks in {@code poll} until an event, a
 *       {@link #wakeup()} or the next timer deadline; busy workers take it every {@code eventInterval} ticks
 *       for a non-blocking {@code poll(0)}, so events are not starved under load. {@code poll} dispatches the
 *       events it found by waking the wakers registered for them, on the calling (worker) thread.</li>
 *   <li>{@link #wakeup()} may be called by any thread, at any time. It must make a {@code poll} in progress
 *       return promptly, and if none is in progress, the next one ({@code Selector.wakeup()} has exactly these
 *       semantics). The runtime calls it only when the owning worker is blocked in {@code poll}.</li>
 *   <li>{@link #close()} is called once, after every worker has exited.</li>
 * </ul>
 * An idle runtime blocks in {@code poll(-1)}: a driver must not return from it without a reason, or the
 * runtime spins.
 *
 * <h2>Failures</h2>
 * A {@code poll} that throws is contained by the runtime: counted ({@code RuntimeMetrics.containedFaults}),
 * logged, and polled again after a short backoff. A driver that fails many polls in a row is given up and the
 * runtime <em>fails</em>: every task is cancelled with the cause. So a driver that can never poll again (closed,
 * its selector gone) must throw from {@code poll}, never return at once, which would make the runtime spin.
 * A waker the driver wakes may throw too; the driver should contain that per waker (so the other wakes of the
 * same poll still happen) and report it with {@link #reportWakerFailure}.
 */
public interface EventDriver extends AutoCloseable {

    /**
     * Waits for events and dispatches them.
     *
     * @param timeoutNanos {@code < 0}: no timeout; {@code 0}: do not block; else the longest wait
     */
    void poll(long timeoutNanos);

    /** Makes the current or next {@link #poll} return promptly. Any thread; cheap when nobody polls. */
    void wakeup();

    /** Releases the driver's resources. Called once, after the workers have exited. */
    @Override
    void close();

    /**
     * Reports a waker that threw when this driver woke it: counted in the metrics of the runtime whose worker
     * runs the calling thread and logged (rate-limited) through {@code System.Logger} "dev.spindle.runtime".
     * Never throws.
     *
     * @param where what the driver was doing, for the log line (e.g. "dispatching readiness")
     */
    static void reportWakerFailure(String where, Throwable failure) {
        dev.spindle.internal.task.FaultReporter.current()
                .contain(dev.spindle.internal.task.FaultReporter.Kind.WAKER, where, failure);
    }
}
