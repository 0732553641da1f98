package dev.spindle.diagnostics;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Collects a runtime's diagnostics reports (and makes them "handled" for strict test runs). */
final class Reports implements Consumer<DiagnosticEvent> {
    final List<DiagnosticEvent> events = new CopyOnWriteArrayList<>();
    private final long created = System.nanoTime();
    volatile long firstAtNanos;

    @Override
    public void accept(DiagnosticEvent e) {
        if (events.isEmpty()) {
            firstAtNanos = System.nanoTime();
        }
        events.add(e);
    }

    <E extends DiagnosticEvent> List<E> of(Class<E> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** Waits up to {@code max} for a report of {@code type}; returns it or null. */
    <E extends DiagnosticEvent> E await(Class<E> type, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            List<E> found = of(type);
            if (!found.isEmpty()) {
                return found.get(0);
            }
            Thread.sleep(10);
        }
        return null;
    }

    Duration sinceCreated(long atNanos) {
        return Duration.ofNanos(atNanos - created);
    }
}
