package dev.spindle.internal.diagnostics;

/**
 * Whether the {@code java.management} module is in this JVM, asked before anything touches JMX. The executor
 * requires it only statically: a runtime image linked without it (jlink, no {@code --add-modules
 * java.management}) must still run, just without the runtime's MXBean. On the class path the boot layer holds
 * every system module the image has, so one question answers both cases.
 *
 * <p>This class names no {@code javax.management} type on purpose: {@link RuntimeMXBeans} does, and merely
 * linking it where the module is absent would fail before its own error handling could run.
 */
public final class ManagementModule {
    private static final boolean PRESENT = ModuleLayer.boot().findModule("java.management").isPresent();

    private ManagementModule() {
    }

    /** Whether JMX can be used: {@code java.management} is in the boot layer. */
    public static boolean present() {
        return PRESENT;
    }
}
