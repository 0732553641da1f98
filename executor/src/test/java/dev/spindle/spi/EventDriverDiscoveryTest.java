package dev.spindle.spi;

import dev.spindle.SpindleRuntime;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The executor's own tests run without the I/O module: the builder then makes runtimes without an event driver,
 * and a runtime that must do I/O fails at build() with the artifact to add. (io's RuntimeIoTest covers the
 * module being present.)
 */
class EventDriverDiscoveryTest {

    @Test
    void withoutTheIoModuleARuntimeHasNoEventDriver() {
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(1).build()) {
            assertThat(rt.eventDriver()).isEmpty();
        }
    }

    @Test
    void aRuntimeThatMustDoIoFailsAtBuildWhenTheIoModuleIsMissing() {
        assertThatThrownBy(() -> SpindleRuntime.builder().workers(1).io(true).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("io(true)")
                .hasMessageContaining("dev.spindle:spindle-io");
    }

    @Test
    void aDriverGivenToTheBuilderIsUsedEvenWhenIoIsRequired() {
        SelectorTestDriver driver = new SelectorTestDriver();
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(1).io(true).eventDriver(driver).build()) {
            assertThat(rt.eventDriver()).containsSame(driver);
        }
    }
}
