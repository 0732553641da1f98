/**
 * Spindle's executor: futures, tasks, the work-stealing runtime, timers and channels. Only the public API is
 * exported; the scheduler, queues and task state live in {@code dev.spindle.internal}. The test kit (mock task,
 * waker, context, worker meters) is its own artifact, spindle-testkit.
 */
module dev.spindle.executor {
    requires org.jctools.core;
    // JMX: each runtime registers its MXBean (dev.spindle.internal.diagnostics.RuntimeMXBeans). Static, so a runtime
    // image linked without java.management still runs: the runtime then checks that the module is in the boot
    // layer (ManagementModule) and, when it is not, runs without its MXBean.
    requires static java.management;
    // Diagnostics: the detectors' JFR events and the periodic runtime statistics (dev.spindle.internal.diagnostics).
    requires jdk.jfr;

    exports dev.spindle;
    exports dev.spindle.time;
    exports dev.spindle.sync;
    exports dev.spindle.spi;
    exports dev.spindle.diagnostics;

    // SpindleRuntime.builder() gives each runtime an event driver from the provider present (the I/O module).
    uses dev.spindle.spi.EventDriverProvider;
}
