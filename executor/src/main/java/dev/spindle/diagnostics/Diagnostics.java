package dev.spindle.diagnostics;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Process-wide view of the detectors' reports, for strict test runs.
 *
 * <p>With the system property {@code spindle.diagnostics.strict=true} a test suite treats any report as a failure:
 * its JUnit extension reads {@link #unhandledReports()} before and after each test and fails the test if it grew,
 * with {@link #unhandledReportsSince(long)} as the message. A report is <em>unhandled</em> when the runtime that made
 * it has no listener ({@code SpindleRuntime.Builder.onDiagnostic}): a test that provokes reports on purpose sets one,
 * and its reports do not count. Strict mode also tightens the lost-wakeup threshold (1 s instead of 10 s) so that the
 * suite's short tests can see one.
 */
public final class Diagnostics {
    /** Whether strict mode is on ({@code -Dspindle.diagnostics.strict=true}). */
    public static final boolean STRICT = Boolean.getBoolean("spindle.diagnostics.strict");

    private static final int KEPT = 64;
    private static final AtomicLong UNHANDLED = new AtomicLong();
    /** The last {@value #KEPT} unhandled report messages with their sequence numbers; guarded by itself. */
    private static final List<Object[]> RECENT = new ArrayList<>();

    private Diagnostics() {
    }

    /** Unhandled reports (by runtimes without a listener) since the JVM started, of every runtime. */
    public static long unhandledReports() {
        return UNHANDLED.get();
    }

    /** The messages of the unhandled reports numbered after {@code since} (at most the last 64). */
    public static List<String> unhandledReportsSince(long since) {
        List<String> out = new ArrayList<>();
        synchronized (RECENT) {
            for (Object[] r : RECENT) {
                if ((long) r[0] > since) {
                    out.add((String) r[1]);
                }
            }
        }
        return out;
    }

    /** Records an unhandled report; called by the runtime's reporter. */
    static void recordUnhandled(String message) {
        long n = UNHANDLED.incrementAndGet();
        synchronized (RECENT) {
            if (RECENT.size() == KEPT) {
                RECENT.remove(0);
            }
            RECENT.add(new Object[] {n, message});
        }
    }

    /** For the runtime's reporter in another package: see {@link #recordUnhandled}. */
    public static void recordUnhandledReport(DiagnosticEvent event) {
        recordUnhandled(event.message());
    }

    /** For other unhandled findings (a leak): see {@link #recordUnhandled}. */
    public static void recordUnhandledReport(String message) {
        recordUnhandled(message);
    }
}
