package dev.spindle.internal.diagnostics;

import dev.spindle.RuntimeMetrics;
import dev.spindle.SpindleRuntime;
import dev.spindle.diagnostics.BusyLoop;
import dev.spindle.diagnostics.DiagnosticEvent;
import dev.spindle.diagnostics.LostWakeup;
import dev.spindle.diagnostics.SlowPoll;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Spindle's JFR events: the detectors' reports ({@code dev.spindle.BusyLoop}, {@code dev.spindle.LostWakeup},
 * {@code dev.spindle.SlowPoll}) and a periodic {@code dev.spindle.RuntimeStatistics} per live runtime. The settings
 * file {@code /dev/spindle/diagnostics/spindle.jfc} in the executor jar enables them all.
 *
 * <p>Nothing here touches JFR until the process has a flight recorder: creating the first event object or adding a
 * periodic hook sets up JFR's metadata, which costs a few hundred milliseconds, and without an initialized recorder
 * no recording can be running to receive an event anyway. So {@link #emit} returns at once while
 * {@link FlightRecorder#isInitialized()} is false, and the one periodic hook is added from a
 * {@link FlightRecorderListener} when the recorder comes up (at once if it already is, e.g. under
 * {@code -XX:StartFlightRecording}).
 *
 * <p>The hook is static and walks {@link #LIVE}, which a runtime joins when it starts and leaves when it terminates:
 * JFR keeps hooks forever, and a hook per runtime would keep every closed runtime reachable.
 */
public final class JfrEvents {
    /** Frames of a slow poll's stack put into its event; a deeper stack is cut with a {@code ... N more} line. */
    static final int MAX_FRAMES = 256;

    private static final Set<SpindleRuntime> LIVE = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean LISTENING = new AtomicBoolean();
    private static final System.Logger LOG = System.getLogger("dev.spindle.runtime");

    private JfrEvents() {
    }

    /** Commits {@code e} as its JFR event if a recording wants it. Never throws. */
    public static void emit(DiagnosticEvent e) {
        try {
            if (!FlightRecorder.isInitialized()) {
                return;
            }
            switch (e) {
                case BusyLoop b -> {
                    BusyLoopEvent ev = new BusyLoopEvent();
                    if (ev.shouldCommit()) {
                        ev.task(b.runtime(), b.task());
                        ev.pollsInWindow = b.pollsInWindow();
                        ev.selfWakes = b.selfWakes();
                        ev.window = nanos(b.window());
                        ev.policy = b.policy().name();
                        ev.commit();
                    }
                }
                case LostWakeup l -> {
                    LostWakeupEvent ev = new LostWakeupEvent();
                    if (ev.shouldCommit()) {
                        ev.task(l.runtime(), l.task());
                        ev.waited = nanos(l.waited());
                        ev.waitingOn = l.task().waitingOn();
                        ev.commit();
                    }
                }
                case SlowPoll s -> {
                    SlowPollEvent ev = new SlowPollEvent();
                    if (ev.shouldCommit()) {
                        ev.task(s.runtime(), s.task());
                        ev.worker = s.worker();
                        ev.pollDuration = nanos(s.duration());
                        ev.stack = stackText(s.stack());
                        ev.commit();
                    }
                }
            }
        } catch (Throwable t) {
            // A report must reach its other channels (counters, listener, log) whatever JFR does.
        }
    }

    /** Adds {@code runtime} to the runtimes {@code dev.spindle.RuntimeStatistics} reports. Never throws. */
    public static void register(SpindleRuntime runtime) {
        LIVE.add(runtime);
        if (LISTENING.compareAndSet(false, true)) {
            try {
                FlightRecorder.addListener(new FlightRecorderListener() {
                    @Override
                    public void recorderInitialized(FlightRecorder recorder) {
                        FlightRecorder.addPeriodicEvent(RuntimeStatisticsEvent.class, JfrEvents::emitStatistics);
                    }
                });
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.DEBUG, "JFR is not available: no dev.spindle.RuntimeStatistics events", t);
            }
        }
    }

    /** Removes {@code runtime}: a terminated runtime has no statistics to report, and must not be kept reachable. */
    public static void unregister(SpindleRuntime runtime) {
        LIVE.remove(runtime);
    }

    /** The periodic hook: one event per live runtime. Runs on JFR's periodic thread. */
    private static void emitStatistics() {
        for (SpindleRuntime rt : LIVE) {
            RuntimeStatisticsEvent ev = new RuntimeStatisticsEvent();
            if (!ev.shouldCommit()) {
                return;
            }
            RuntimeMetrics m;
            try {
                m = rt.metrics();
            } catch (RuntimeException e) {
                continue; // a runtime torn down under us: its statistics end with it
            }
            ev.runtime = rt.name();
            ev.workers = m.workers();
            ev.spawned = m.spawned();
            ev.completed = m.completed();
            ev.failed = m.failed();
            ev.cancelled = m.cancelled();
            ev.alive = m.alive();
            ev.polls = m.totalPolls();
            ev.steals = m.totalSteals();
            ev.parks = m.totalParks();
            ev.injectQueueDepth = m.injectQueueDepth();
            ev.parkedWorkers = m.parkedWorkers();
            ev.searchingWorkers = m.searchingWorkers();
            ev.timers = m.timers();
            ev.containedFaults = m.containedFaults();
            ev.busyLoops = m.busyLoops();
            ev.lostWakeups = m.lostWakeups();
            ev.slowPolls = m.slowPolls();
            ev.throttledTasks = m.throttledTasks();
            ev.abortedTasks = m.abortedTasks();
            ev.commit();
        }
    }

    private static long nanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    static String stackText(List<StackTraceElement> stack) {
        StringBuilder b = new StringBuilder();
        int shown = 0;
        for (StackTraceElement f : stack) {
            if (shown == MAX_FRAMES) {
                b.append("... ").append(stack.size() - shown).append(" more\n");
                break;
            }
            b.append(f).append('\n');
            shown++;
        }
        return b.toString();
    }
}
