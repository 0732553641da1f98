package dev.spindle.runtime;

import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.testkit.MockTask;
import dev.spindle.time.Time;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Misuse fails fast, with a message that says what happened and what to do. */
class MisuseTest {

    @Test
    void aTimerPolledOutsideARuntimeSaysWhereToPollIt() {
        MockTask<Void> t = MockTask.of(Time.sleep(Duration.ofSeconds(1)));
        assertThatThrownBy(t::poll).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("outside a runtime").hasMessageContaining("blockOn");
    }

    @Test
    void anElapsedSleepCompletesEvenOutsideARuntime() {
        // Nothing to wait for, so no timer is needed: ready on the first poll.
        assertThat(MockTask.of(Time.sleep(Duration.ZERO)).poll().isReady()).isTrue();
    }

    @Test
    void currentOutsideARuntimeExplainsItself() {
        assertThatThrownBy(SpindleRuntime::current).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not inside a Spindle runtime");
        assertThat(SpindleRuntime.isWorkerThread()).isFalse();
    }

    @Test
    void pendingHasNoValue() {
        assertThatThrownBy(() -> Poll.pending().value()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("isReady()");
    }

    @Test
    void builderSettingsAreValidatedWithTheirNames() {
        assertThatThrownBy(() -> SpindleRuntime.builder().workers(0)).hasMessageContaining("workers");
        assertThatThrownBy(() -> SpindleRuntime.builder().localQueueCapacity(100))
                .hasMessageContaining("power of two");
        assertThatThrownBy(() -> SpindleRuntime.builder().eventInterval(0)).hasMessageContaining("eventInterval");
        assertThatThrownBy(() -> SpindleRuntime.builder().budget(0)).hasMessageContaining("budget");
    }

    @Test
    void aBadSystemPropertyIsRejectedWithItsName() {
        System.setProperty("spindle.workers", "lots");
        try {
            assertThatThrownBy(SpindleRuntime::builder).hasMessageContaining("spindle.workers=lots");
        } finally {
            System.clearProperty("spindle.workers");
        }
    }

    @Test
    void shutdownWithANegativeGraceIsRefused() {
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(1).build()) {
            assertThatThrownBy(() -> rt.shutdown(Duration.ofSeconds(-1))).hasMessageContaining("grace");
        }
    }
}
