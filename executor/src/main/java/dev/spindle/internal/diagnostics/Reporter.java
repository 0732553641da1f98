package dev.spindle.internal.diagnostics;

import dev.spindle.diagnostics.BusyLoop;
import dev.spindle.diagnostics.DiagnosticEvent;
import dev.spindle.diagnostics.Diagnostics;
import dev.spindle.diagnostics.LostWakeup;
import dev.spindle.diagnostics.SlowPoll;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Where a runtime's detectors send their reports: counted (exactly), handed to JFR and to the builder's listener, and
 * logged through {@code System.Logger} at WARNING under {@code dev.spindle.diagnostics.busyloop},
 * {@code .lostwakeup} and {@code .slowpoll}. Each detector limits its reports per task; on top of that the log is
 * limited to {@link #LOG_LINES_PER_SECOND} lines a second per runtime, so that ten thousand tasks that loop at once
 * cost ten lines a second and a count ("N more suppressed"), not a flood. Nothing here blocks but the logger itself.
 *
 * <h2>Workers never log</h2>
 * A busy loop is detected on the worker that polls it, but a worker must not write to a log: the first log line of a
 * JVM can take over 100 ms (the logging backend loads and formats), and a full stderr pipe blocks. So a worker's report
 * is counted at once and handed over ({@link #reportLater}); the watchdog delivers it to the listener, JFR and the log
 * ({@link #drainDeferred}), woken for it at once. Lost wakeups and slow polls are found by the watchdog and delivered
 * directly ({@link #report}).
 *
 * <p>All state is atomic; the hand-over queue is a lock-free {@link ConcurrentLinkedQueue}.
 */
public final class Reporter {
    public static final String BUSY_LOOP_LOGGER = "dev.spindle.diagnostics.busyloop";
    public static final String LOST_WAKEUP_LOGGER = "dev.spindle.diagnostics.lostwakeup";
    public static final String SLOW_POLL_LOGGER = "dev.spindle.diagnostics.slowpoll";

    /** Log lines per second per runtime, over all kinds. */
    static final int LOG_LINES_PER_SECOND = 10;

    private static final System.Logger BUSY = System.getLogger(BUSY_LOOP_LOGGER);
    private static final System.Logger LOST = System.getLogger(LOST_WAKEUP_LOGGER);
    private static final System.Logger SLOW = System.getLogger(SLOW_POLL_LOGGER);

    private final String runtime;
    private final Consumer<DiagnosticEvent> listener;
    private final LongAdder busyLoops = new LongAdder();
    private final LongAdder lostWakeups = new LongAdder();
    private final LongAdder slowPolls = new LongAdder();
    private final LongAdder aborted = new LongAdder();
    private final LongAdder throttledNow = new LongAdder();
    /** The second ({@code nanoTime / 1e9}) of the current log budget, and lines logged in it. */
    private final AtomicLong logSecond = new AtomicLong();
    private final AtomicLong logLines = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();

    /** Reports counted on a worker, waiting for the watchdog to deliver them. */
    private final ConcurrentLinkedQueue<DiagnosticEvent> deferred = new ConcurrentLinkedQueue<>();
    private volatile Runnable wakeDeliverer = () -> { };

    public Reporter(String runtime, Consumer<DiagnosticEvent> listener) {
        this.runtime = runtime;
        this.listener = listener;
    }

    /** Who delivers deferred reports: called after each {@link #reportLater}. */
    public void deliverer(Runnable wake) {
        this.wakeDeliverer = wake;
    }

    /** From a worker: counts {@code e} now and has it delivered by the watchdog (see the class comment). */
    public void reportLater(DiagnosticEvent e, boolean count) {
        if (count) {
            countOf(e);
        }
        deferred.offer(e);
        wakeDeliverer.run();
    }

    /** Delivers the reports handed over by workers (the watchdog, each tick and when woken for them). */
    public void drainDeferred() {
        DiagnosticEvent e;
        while ((e = deferred.poll()) != null) {
            deliver(e);
        }
    }

    public String runtime() {
        return runtime;
    }

    /**
     * Reports {@code e}. {@code count}: this is the first report of its episode (a busy loop's streak, a slow poll), so
     * it is counted; escalations and repeats are not.
     */
    public void report(DiagnosticEvent e, boolean count) {
        if (count) {
            countOf(e);
        }
        deliver(e);
    }

    private void countOf(DiagnosticEvent e) {
        switch (e) {
            case BusyLoop b -> busyLoops.increment();
            case LostWakeup l -> lostWakeups.increment();
            case SlowPoll s -> slowPolls.increment();
        }
    }

    private void deliver(DiagnosticEvent e) {
        if (listener != null) {
            try {
                listener.accept(e);
            } catch (Throwable t) {
                log(BUSY, "the diagnostics listener of runtime '" + runtime + "' threw " + t, null);
            }
        } else {
            Diagnostics.recordUnhandledReport(e);
        }
        try {
            JfrEvents.emit(e);
        } catch (Throwable ignored) {
            // JFR unavailable (a stripped runtime image): the other channels still report
        }
        System.Logger logger = switch (e) {
            case BusyLoop b -> BUSY;
            case LostWakeup l -> LOST;
            case SlowPoll s -> SLOW;
        };
        log(logger, "Spindle runtime '" + runtime + "': " + e.message(), null);
    }

    private void log(System.Logger logger, String message, Throwable t) {
        if (!logger.isLoggable(System.Logger.Level.WARNING)) {
            return;
        }
        long second = System.nanoTime() / 1_000_000_000L;
        long cur = logSecond.get();
        if (cur != second && logSecond.compareAndSet(cur, second)) {
            logLines.set(0);
        }
        if (logLines.incrementAndGet() > LOG_LINES_PER_SECOND) {
            suppressed.incrementAndGet();
            return;
        }
        long dropped = suppressed.getAndSet(0);
        String text = dropped == 0 ? message
                : message + "\n(" + dropped + " earlier diagnostics line(s) of this runtime were suppressed: more than "
                        + LOG_LINES_PER_SECOND + " a second; the counters, JFR and the listener have them all)";
        try {
            logger.log(System.Logger.Level.WARNING, text, t);
        } catch (Throwable ignored) {
            // a broken logging backend must not break the worker or the watchdog
        }
    }

    public void aborted() {
        aborted.increment();
    }

    public void throttled(int delta) {
        throttledNow.add(delta);
    }

    public long busyLoops() {
        return busyLoops.sum();
    }

    public long lostWakeups() {
        return lostWakeups.sum();
    }

    public long slowPolls() {
        return slowPolls.sum();
    }

    public long abortedTasks() {
        return aborted.sum();
    }

    public long throttledTasks() {
        return throttledNow.sum();
    }
}
