package dev.spindle.testkit;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Set;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;

/**
 * What a runtime's worker threads have cost, for tests that assert a busy loop is absent (an idle or dead
 * connection whose task uses no CPU) or that a steady state allocates nothing: the workers are found by the
 * thread name prefix the runtime was built with ({@code SpindleRuntime.Builder.threadNamePrefix}).
 *
 * <p>Both meters are sums over the threads alive when called; take them before and after the interval of
 * interest and subtract. A thread that ended meanwhile counts as 0 (the JVM answers -1 for it).
 *
 * <p>A prefix that matches no live thread is an error, not a 0: a test asserting "no busy loop" with a
 * mistyped prefix (or one asked after the runtime closed) would otherwise measure nothing and always pass.
 */
public final class WorkerThreads {
    private WorkerThreads() {
    }

    /**
     * CPU time so far of the live threads whose name starts with {@code prefix}, in nanoseconds.
     *
     * @throws IllegalStateException if no live thread's name starts with {@code prefix}
     */
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
     * @throws IllegalStateException if no live thread's name starts with {@code prefix}
     */
    public static long allocatedBytes(String prefix) {
        if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean mx)
                || !mx.isThreadAllocatedMemorySupported()) {
            throw new UnsupportedOperationException("this JVM does not count allocated bytes per thread");
        }
        mx.setThreadAllocatedMemoryEnabled(true);
        return sum(prefix, t -> mx.getThreadAllocatedBytes(t.threadId()));
    }

    /** @throws IllegalStateException if no live thread's name starts with {@code prefix} */
    private static long sum(String prefix, ToLongFunction<Thread> meter) {
        long total = 0;
        boolean matched = false;
        Set<Thread> live = Thread.getAllStackTraces().keySet();
        for (Thread t : live) {
            if (t.getName().startsWith(prefix)) {
                matched = true;
                total += Math.max(0, meter.applyAsLong(t));
            }
        }
        if (!matched) {
            throw new IllegalStateException("no live thread's name starts with '" + prefix + "'; live threads: "
                    + live.stream().map(Thread::getName).sorted().collect(Collectors.joining(", ", "[", "]")));
        }
        return total;
    }
}
