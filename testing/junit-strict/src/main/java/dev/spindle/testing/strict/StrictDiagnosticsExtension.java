package dev.spindle.testing.strict;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Strict diagnostics for Spindle's test suites: a test fails if Spindle's detectors made <em>unhandled</em> reports
 * while it ran (a busy loop, a lost wakeup, a slow poll, a leak) that no runtime listener or leak listener took.
 * Auto-registered ({@code META-INF/services} plus {@code junit.jupiter.extensions.autodetection.enabled=true} in each
 * module's {@code junit-platform.properties}); active only with {@code -Dspindle.diagnostics.strict=true}, which the
 * parent pom passes to surefire and failsafe.
 *
 * <h2>Protocol</h2>
 * <ul>
 *   <li>Before each test: read {@code Diagnostics.unhandledReports()}. After it (after its {@code @AfterEach}
 *       methods): if the count grew, fail the test with {@code Diagnostics.unhandledReportsSince(before)}.</li>
 *   <li>After each test class (after its {@code @AfterAll} methods, so resources closed there are not leaks): run
 *       the collector and wait, at most {@value #COLLECT_MILLIS} ms, for the leak detector's cleaner thread
 *       ({@code LeakDetector.collect}), then fail the class if reports arrived that no test was failed for:
 *       leaks found only now, and reports made between tests or in {@code @BeforeAll}/{@code @AfterAll}.</li>
 * </ul>
 * A report is blamed on the test during which it was made; a detector that reports late (the watchdog's
 * lost-wakeup threshold, a leak found by a later collection) can therefore name a later test or class. The report's
 * message says which task or resource it is about.
 *
 * <h2>Why a module of its own, with reflection</h2>
 * The executor's tests need this extension too, and the counters live in the executor
 * ({@code dev.spindle.diagnostics}): an extension in the executor's test jar could not be shared without a
 * test-jar dependency from every module, and a module depending on the executor could not be a test dependency
 * of the executor itself (a cycle). So this module depends only on the JUnit API and finds
 * {@code dev.spindle.diagnostics.Diagnostics} and {@code LeakDetector} by name on the test class path; where they
 * are absent (a module without Spindle) it does nothing.
 *
 * <p>Test classes run one at a time in each JVM here (no JUnit parallel execution); with parallel classes a
 * report would be blamed on whichever tests were running.
 */
public final class StrictDiagnosticsExtension
        implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {
    static final String STRICT_PROPERTY = "spindle.diagnostics.strict";
    static final long COLLECT_MILLIS = 200;

    private static final ExtensionContext.Namespace NS =
            ExtensionContext.Namespace.create(StrictDiagnosticsExtension.class);
    private static final Counters COUNTERS = Counters.find();

    /** Reports of the class not yet blamed on a test: ranges of report numbers (exclusive start, inclusive end). */
    private static final class ClassState {
        final List<long[]> unblamed = new ArrayList<>();
        /** The count when the last test ended (or the class started). */
        long mark;
    }

    private static boolean active() {
        return COUNTERS != null && Boolean.getBoolean(STRICT_PROPERTY);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (active()) {
            ClassState s = new ClassState();
            s.mark = COUNTERS.unhandled();
            context.getStore(NS).put(ClassState.class, s);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (!active()) {
            return;
        }
        long now = COUNTERS.unhandled();
        ClassState s = classState(context);
        if (s != null && now > s.mark) {
            s.unblamed.add(new long[] {s.mark, now}); // between tests, or in @BeforeAll: the class answers for it
        }
        context.getStore(NS).put("before", now);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!active()) {
            return;
        }
        Long before = context.getStore(NS).get("before", Long.class);
        long now = COUNTERS.unhandled();
        ClassState s = classState(context);
        if (s != null) {
            s.mark = now;
        }
        if (before != null && now > before) {
            throw new AssertionError(failure(now - before, "during this test", COUNTERS.since(before, now)));
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        if (!active()) {
            return;
        }
        ClassState s = context.getStore(NS).get(ClassState.class, ClassState.class);
        if (s == null) {
            return;
        }
        COUNTERS.collectLeaks(Duration.ofMillis(COLLECT_MILLIS));
        long now = COUNTERS.unhandled();
        if (now > s.mark) {
            s.unblamed.add(new long[] {s.mark, now});
        }
        long count = 0;
        List<String> messages = new ArrayList<>();
        for (long[] r : s.unblamed) {
            count += r[1] - r[0];
            messages.addAll(COUNTERS.since(r[0], r[1]));
        }
        if (count > 0) {
            throw new AssertionError(failure(count, "in this test class outside its tests, or found by the"
                    + " collector after them (leaks)", messages));
        }
    }

    /** The store of the test class this context belongs to (a test's parent; nested classes have their own). */
    private static ClassState classState(ExtensionContext context) {
        for (ExtensionContext c = context; c != null; c = c.getParent().orElse(null)) {
            if (c.getTestMethod().isEmpty() && c.getTestClass().isPresent()) {
                return c.getStore(NS).get(ClassState.class, ClassState.class);
            }
        }
        return null;
    }

    private static String failure(long count, String when, List<String> messages) {
        StringBuilder b = new StringBuilder("strict diagnostics (-D" + STRICT_PROPERTY + "=true): " + count
                + " unhandled Spindle diagnostics report(s) " + when + ". Fix the cause; a test that provokes"
                + " reports on purpose sets a listener (SpindleRuntime.Builder.onDiagnostic,"
                + " LeakDetector.addListener) so that they count as handled.");
        for (String m : messages) {
            b.append("\n--- ").append(m);
        }
        if (messages.size() < count) {
            b.append("\n(").append(count - messages.size()).append(" more not kept)");
        }
        return b.toString();
    }

    /**
     * {@code Diagnostics} and {@code LeakDetector}, found by name: see the class comment. Static methods of public
     * classes of an exported package, so the lookups work on the class path and on the module path alike.
     */
    private record Counters(MethodHandle unhandledReports, MethodHandle unhandledReportsSince,
                            MethodHandle collect) {
        static Counters find() {
            try {
                MethodHandles.Lookup l = MethodHandles.publicLookup();
                Class<?> diagnostics = Class.forName("dev.spindle.diagnostics.Diagnostics");
                Class<?> leaks = Class.forName("dev.spindle.diagnostics.LeakDetector");
                return new Counters(
                        l.findStatic(diagnostics, "unhandledReports", MethodType.methodType(long.class)),
                        l.findStatic(diagnostics, "unhandledReportsSince", MethodType.methodType(List.class, long.class)),
                        l.findStatic(leaks, "collect", MethodType.methodType(long.class, Duration.class)));
            } catch (ClassNotFoundException e) {
                return null; // no Spindle executor on this class path: nothing to check
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("spindle-junit-strict does not match this Spindle executor: " + e, e);
            }
        }

        long unhandled() {
            try {
                return (long) unhandledReports.invokeExact();
            } catch (Throwable t) {
                throw new IllegalStateException("Diagnostics.unhandledReports() failed", t);
            }
        }

        /** The kept messages of reports numbered {@code from} (exclusive) to {@code to} (inclusive). */
        @SuppressWarnings("unchecked")
        List<String> since(long from, long to) {
            List<String> all;
            try {
                all = (List<String>) (List<?>) unhandledReportsSince.invokeExact(from);
            } catch (Throwable t) {
                throw new IllegalStateException("Diagnostics.unhandledReportsSince() failed", t);
            }
            // In number order; the oldest may have been dropped (only the last 64 are kept), so the list can start
            // later than from + 1: those at its end beyond 'to' are cut by count from the end of the whole list.
            long newerThanTo = unhandled() - to;
            int end = (int) Math.max(0, all.size() - Math.max(0, newerThanTo));
            return all.subList(0, end);
        }

        void collectLeaks(Duration timeout) throws InterruptedException {
            try {
                long ignored = (long) collect.invokeExact(timeout);
            } catch (InterruptedException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("LeakDetector.collect() failed", t);
            }
        }
    }
}
