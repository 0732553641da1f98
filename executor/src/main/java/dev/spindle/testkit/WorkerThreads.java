package dev.spindle.testkit;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.function.ToLongFunction;

/**
 * What a runtime's worker threads have cost, for tests that assert a busy loop is absent (an idle or dead
 * connection whose task uses no CPU) or that a steady state allocates nothing: the workers are found by the
 * thread name prefix the runtime was built with ({@code SpindleRuntime.Builder.threadNamePrefix}).
 *
 * <p>Both meters are sums over the threads alive when called; take them before and after the interval of
 * interest and subtract. A thread that ended meanwhile counts as 0 (the JVM answers -1 for it).
 */
public final class WorkerThreads {
    private WorkerThreads() {
    }

    /** CPU time so far of the live threads whose name starts with {@code prefix}, in nanoseconds. */
    public static long cpuNanos(String prefix) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        return sum(prefix, t -> mx.getThreadCpuTime(t.threadId()));
    }

    /**
     * Bytes allocated so far by the live threads whose name starts with {@code prefix} (needs the
     * {@code jdk.management} module, present in every standard JDK). Turns the JVM's allocation counting on
     * if it was off.
     *
     * @throws UnsupportedOperationException if this JVM cannot count allocated bytes per thread
     */
    public static long allocatedBytes(String prefix) {
        if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean mx)
                || !mx.isThreadAllocatedMemorySupported()) {
            throw new UnsupportedOperationException("this JVM does not count allocated bytes per thread");
        }
        mx.setThreadAllocatedMemoryEnabled(true);
        return sum(prefix, t -> mx.getThreadAllocatedBytes(t.threadId()));
    }

    private static long sum(String prefix, ToLongFunction<Thread> meter) {
        long total = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix)) {
                total += Math.max(0, meter.applyAsLong(t));
            }
        }
        return total;
    }
}
