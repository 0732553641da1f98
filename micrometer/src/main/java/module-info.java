/**
 * A Micrometer {@code MeterBinder} for a Spindle runtime: {@link dev.spindle.micrometer.SpindleRuntimeMetrics}.
 *
 * <p>Micrometer's jars have no module descriptor, only an {@code Automatic-Module-Name} ({@code micrometer.core}).
 * The binder's public type implements {@code MeterBinder}, so users need that module too: it is required transitively,
 * which javac flags for an automatic module; the warning is suppressed because there is no named Micrometer module to
 * depend on instead.
 */
@SuppressWarnings("requires-transitive-automatic")
module dev.spindle.micrometer {
    requires transitive dev.spindle.executor;
    requires transitive micrometer.core;

    exports dev.spindle.micrometer;
}
