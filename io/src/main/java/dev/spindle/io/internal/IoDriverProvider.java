package dev.spindle.io.internal;

import dev.spindle.spi.EventDriver;
import dev.spindle.spi.EventDriverProvider;

/**
 * Plugs the reactor into {@code SpindleRuntime.builder()}: every runtime built while this module is present gets
 * an {@link IoDriver} of its own. Declared in module-info ({@code provides}) and in
 * {@code META-INF/services} for the class path.
 */
public final class IoDriverProvider implements EventDriverProvider {

    /** Called by {@link java.util.ServiceLoader}. */
    public IoDriverProvider() {
    }

    @Override
    public String name() {
        return "I/O (dev.spindle.io)";
    }

    @Override
    public EventDriver create() {
        return new IoDriver();
    }
}
