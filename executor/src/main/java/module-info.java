/**
 * Spindle's executor: futures, tasks, the work-stealing runtime, timers, channels and the futures test kit.
 * Only the public API is exported; the scheduler, queues and task state live in {@code dev.spindle.internal}.
 */
module dev.spindle.executor {
    requires org.jctools.core;
    // The test kit's WorkerThreads: per-thread CPU time (java.management) and allocated bytes (jdk.management).
    requires java.management;
    requires jdk.management;
    // Diagnostics: the detectors' JFR events and the periodic runtime statistics (dev.spindle.internal.diagnostics).
    requires jdk.jfr;

    exports dev.spindle;
    exports dev.spindle.time;
    exports dev.spindle.sync;
    exports dev.spindle.testkit;
    exports dev.spindle.spi;
    exports dev.spindle.diagnostics;

    // SpindleRuntime.builder() gives each runtime an event driver from the provider present (the I/O module).
    uses dev.spindle.spi.EventDriverProvider;
}
