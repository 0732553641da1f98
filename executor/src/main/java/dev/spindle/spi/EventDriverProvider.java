package dev.spindle.spi;

/**
 * Makes the {@link EventDriver} of each new runtime: how a module that can drive events (the I/O module's
 * reactor) plugs into {@code SpindleRuntime.builder()} without the executor knowing it.
 *
 * <p>Found with {@link java.util.ServiceLoader}: a module declares {@code provides
 * dev.spindle.spi.EventDriverProvider with ...} (and a {@code META-INF/services} entry for the class path).
 * The executor looks once, when the first runtime is built. With exactly one provider present, every runtime
 * built by {@code SpindleRuntime.builder()} gets a driver of its own from {@link #create()}, unless the builder
 * was given one ({@code eventDriver(..)}) or told not to ({@code io(false)}).
 */
public interface EventDriverProvider {

    /** What the driver serves, for messages: e.g. {@code "I/O (dev.spindle.io)"}. */
    String name();

    /** A new driver for one runtime, which owns it and closes it. */
    EventDriver create();
}
