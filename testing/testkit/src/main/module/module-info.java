/**
 * Spindle's test kit: what a test needs to poll futures by hand, to meter a runtime's workers, and the runtime
 * behaviour suite. Test scope only; nothing of it belongs in a runtime image.
 */
module dev.spindle.testkit {
    requires transitive dev.spindle.executor;
    // WorkerThreads: per-thread CPU time (java.management) and allocated bytes (jdk.management).
    requires java.management;
    requires jdk.management;
    // RuntimeBehaviourSuite: a JUnit 5 class with AssertJ assertions, awaiting quiescence with Awaitility.
    requires transitive org.junit.jupiter.api;
    requires org.assertj.core;
    requires awaitility;

    exports dev.spindle.testkit;
}
