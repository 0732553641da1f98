package dev.spindle.diagnostics;

/**
 * How much of the spawning code a runtime records for each task ({@code SpindleRuntime.Builder.spawnSites}, or the
 * system property {@code spindle.spawnSites}: {@code none}, {@code frame}, {@code stack}).
 */
public enum SpawnSiteCapture {
    /** Nothing: reports show no spawn site. */
    NONE,
    /**
     * The caller's frame ({@code com.acme.Proxy.accept(Proxy.java:42)}), the default. A stack walk costs about 1.5 us,
     * more than a spawn, so it is remembered per future type: a type spawned from one place (the usual case) walks
     * the stack for its first spawns and then once every 1024 spawns to check; a type seen spawned from two places
     * walks on every spawn. A lambda-based future ({@code Futures.pollFn}) is keyed by its lambda's class.
     */
    FRAME,
    /** The whole stack of every spawn (about 2 us or more per spawn): for hunting a task that the frame does not place. */
    STACK
}
