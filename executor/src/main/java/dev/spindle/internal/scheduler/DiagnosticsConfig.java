package dev.spindle.internal.scheduler;

import dev.spindle.diagnostics.BusyLoopPolicy;
import dev.spindle.diagnostics.DiagnosticEvent;
import dev.spindle.diagnostics.SpawnSiteCapture;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * A runtime's diagnostics settings (see {@code SpindleRuntime.Builder}).
 *
 * @param enabled             detectors and the watchdog on (the per-task counters are always kept)
 * @param runtimeName         the runtime's name in reports, JMX and JFR
 * @param busyLoopPolicy      what to do with a busy loop
 * @param busyLoopWindow      how long polls without progress must go on before they are a busy loop
 * @param lostWakeupThreshold how long a task that returned Pending without taking its waker may wait unwoken
 * @param slowPollThreshold   how long one poll may hold a worker
 * @param spawnSites          what of the spawner is recorded
 * @param jmx                 register the runtime's MXBean
 * @param listener            receives every report (and makes them "handled" for strict test runs), or null
 */
public record DiagnosticsConfig(boolean enabled, String runtimeName, BusyLoopPolicy busyLoopPolicy,
                                Duration busyLoopWindow, Duration lostWakeupThreshold, Duration slowPollThreshold,
                                SpawnSiteCapture spawnSites, boolean jmx, Consumer<DiagnosticEvent> listener) {

    /** Defaults, for tests that build a scheduler directly: detectors off, no JMX. */
    public static DiagnosticsConfig off(String name) {
        return new DiagnosticsConfig(false, name, BusyLoopPolicy.REPORT, Duration.ofMillis(500), Duration.ofSeconds(10),
                Duration.ofMillis(100), SpawnSiteCapture.NONE, false, null);
    }
}
