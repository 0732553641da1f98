package dev.spindle.perf.servers;

/**
 * Sizing of the JDK's virtual-thread scheduler for the blocking servers. The scheduler reads
 * {@code jdk.virtualThreadScheduler.parallelism} once, when the first virtual thread is created, so setting it at
 * the top of {@code main} gives the blocking server exactly {@code --workers} carrier threads, as Spindle and
 * Netty get {@code --workers} worker threads; without it the scheduler would use one carrier per core.
 */
final class VirtualThreads {
    private VirtualThreads() {
    }

    /** Sets the carrier count unless the JVM command line already did (an explicit -D wins). */
    static void useCarriers(int workers) {
        if (System.getProperty("jdk.virtualThreadScheduler.parallelism") == null) {
            System.setProperty("jdk.virtualThreadScheduler.parallelism", Integer.toString(workers));
        }
    }
}
