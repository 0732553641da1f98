package dev.spindle.internal.scheduler;

/**
 * Validated settings of a scheduler (built by {@code SpindleRuntime.Builder}).
 *
 * @param workers             worker threads
 * @param threadNamePrefix    worker threads are named prefix + index
 * @param eventInterval       ticks between maintenance steps of a busy worker (timers, shutdown checks)
 * @param globalQueueInterval ticks between checks of the inject queue while local work exists (fairness)
 * @param localQueueCapacity  capacity of each worker's run queue (power of two)
 * @param maxLifoPollsPerTick polls from the LIFO slot in a row before its task goes to the back of the queue
 * @param budget              cooperative budget per task poll
 * @param daemon              whether worker threads are daemon threads
 * @param handler             receives failures of tasks nobody awaited, and failures of release hooks
 * @param eventDriver         readiness events driven from the parking path (the I/O reactor), or null
 * @param diagnostics         the detectors' settings
 */
public record SchedulerConfig(int workers, String threadNamePrefix, int eventInterval, int globalQueueInterval,
                              int localQueueCapacity, int maxLifoPollsPerTick, int budget, boolean daemon,
                              Thread.UncaughtExceptionHandler handler, dev.spindle.spi.EventDriver eventDriver,
                              DiagnosticsConfig diagnostics) {

    /** Without diagnostics (detectors off, no JMX): for tests that build a scheduler directly. */
    public SchedulerConfig(int workers, String threadNamePrefix, int eventInterval, int globalQueueInterval,
                           int localQueueCapacity, int maxLifoPollsPerTick, int budget, boolean daemon,
                           Thread.UncaughtExceptionHandler handler, dev.spindle.spi.EventDriver eventDriver) {
        this(workers, threadNamePrefix, eventInterval, globalQueueInterval, localQueueCapacity, maxLifoPollsPerTick,
                budget, daemon, handler, eventDriver, DiagnosticsConfig.off(threadNamePrefix));
    }
}
