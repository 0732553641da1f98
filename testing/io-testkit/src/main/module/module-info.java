/**
 * Spindle's I/O test kit: in-memory streams, the stream behaviour suite and socket helpers for tests. Test scope
 * only; nothing of it belongs in a runtime image.
 */
module dev.spindle.io.testkit {
    requires transitive dev.spindle.io;
    requires transitive dev.spindle.testkit;
    // StreamBehaviourSuite: a JUnit 5 class (the API comes with dev.spindle.testkit) with AssertJ assertions.
    requires org.assertj.core;

    exports dev.spindle.io.testkit;
}
