package dev.spindle.examples.net;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/** CPU time spent by a runtime's workers, found by the thread name prefix the runtime was built with. */
final class WorkerCpu {
    private WorkerCpu() {
    }

    /** The CPU time so far of the live threads whose name starts with {@code prefix}, in nanoseconds. */
    static long nanos(String prefix) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix)) {
                sum += Math.max(0, mx.getThreadCpuTime(t.threadId())); // -1 if it ended meanwhile
            }
        }
        return sum;
    }
}
