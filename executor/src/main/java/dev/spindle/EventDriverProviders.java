package dev.spindle;

import dev.spindle.spi.EventDriverProvider;

import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * The event driver providers present ({@link ServiceLoader}), looked up once: a test suite builds thousands of
 * runtimes, and a class path scan costs milliseconds. Looked up with the executor's own class loader, so the
 * answer does not depend on which thread builds the first runtime.
 */
final class EventDriverProviders {
    private static final List<EventDriverProvider> PRESENT = ServiceLoader
            .load(EventDriverProvider.class, EventDriverProvider.class.getClassLoader())
            .stream().map(ServiceLoader.Provider::get).toList();

    private EventDriverProviders() {
    }

    /**
     * The one provider present, or null if there is none.
     *
     * @throws IllegalStateException if there are several: which one a runtime gets must not depend on the order
     *         of the class path
     */
    static EventDriverProvider only() {
        if (PRESENT.size() > 1) {
            throw new IllegalStateException("several event driver providers are present ("
                    + PRESENT.stream().map(EventDriverProvider::name).collect(Collectors.joining(", "))
                    + "); choose one with SpindleRuntime.builder().eventDriver(..)");
        }
        return PRESENT.isEmpty() ? null : PRESENT.get(0);
    }
}
