package dev.spindle.testkit;

import dev.spindle.diagnostics.DiagnosticEvent;
import dev.spindle.diagnostics.SlowPoll;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Collects a runtime's diagnostics reports for a test: pass it to {@code SpindleRuntime.Builder.onDiagnostic}. A runtime
 * with a listener has its reports counted as handled, so a test that provokes reports on purpose does not fail strict
 * runs; it asserts on what arrived here instead. Reports arrive on the runtime's watchdog or worker threads.
 */
public final class DiagnosticReports implements Consumer<DiagnosticEvent> {
    private final List<DiagnosticEvent> events = new CopyOnWriteArrayList<>();
    private volatile long firstAtNanos;

    @Override
    public void accept(DiagnosticEvent e) {
        if (events.isEmpty()) {
            firstAtNanos = System.nanoTime();
        }
        events.add(e);
    }

    /** Every report so far, in arrival order. */
    public List<DiagnosticEvent> events() {
        return List.copyOf(events);
    }

    /** {@link System#nanoTime()} when the first report arrived, or 0. */
    public long firstAtNanos() {
        return firstAtNanos;
    }

    /** The reports of one kind. */
    public <E extends DiagnosticEvent> List<E> of(Class<E> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /**
     * The busy-loop and lost-wakeup reports: what a healthy workload must never cause. Slow polls are left out: a
     * poll that encrypts or copies a large buffer on a cold JIT or a loaded machine can exceed the threshold.
     */
    public List<DiagnosticEvent> busyLoopsAndLostWakeups() {
        return events.stream().filter(e -> !(e instanceof SlowPoll)).toList();
    }

    /** Waits (bounded) for the first report of {@code type}; null if none came within {@code limit}. */
    public <E extends DiagnosticEvent> E await(Class<E> type, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            List<E> found = of(type);
            if (!found.isEmpty()) {
                return found.get(0);
            }
            Thread.sleep(10);
        }
        return null;
    }

    /** {@link #await}, failing the test with what did arrive if nothing of {@code type} came. */
    public <E extends DiagnosticEvent> E awaitOrFail(Class<E> type, Duration limit) throws InterruptedException {
        E e = await(type, limit);
        if (e == null) {
            throw new AssertionError("no " + type.getSimpleName() + " report within " + limit + "; reports: " + events);
        }
        return e;
    }

    @Override
    public String toString() {
        return events.toString();
    }
}
