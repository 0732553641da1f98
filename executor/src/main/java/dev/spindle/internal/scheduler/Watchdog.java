package dev.spindle.internal.scheduler;

import dev.spindle.diagnostics.LostWakeup;
import dev.spindle.diagnostics.SlowPoll;
import dev.spindle.diagnostics.TaskInfo;
import dev.spindle.internal.diagnostics.CoarseClock;
import dev.spindle.internal.task.Task;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * The runtime's watchdog: one platform daemon thread that finds what the workers cannot see about themselves.
 *
 * <h2>What it does each tick</h2>
 * <ul>
 *   <li>Refreshes the {@link CoarseClock}.</li>
 *   <li>Delivers the reports workers handed over (a busy loop is found on its worker, which must not log).</li>
 *   <li><b>Slow polls.</b> Each worker publishes whether it is in a poll, and of which task ({@link Worker#pollingTask()}), and
 *       counts its polls. A worker seen in the same poll (same task, same count) at two ticks has been in it at least
 *       as long as between them; past the threshold the watchdog samples the worker's stack <em>while the poll goes
 *       on</em> ({@link Thread#getStackTrace()}), checks it is still the same poll, and reports it with the stack.
 *       It reports again at ten times the threshold, then every {@link #SLOW_REPEAT_NANOS}. Parking, driver polls and
 *       timer firing happen outside any task, so the runtime's own waiting never counts.</li>
 *   <li><b>Lost wakeups</b> (every {@link #lostScanNanos}). A task in the list of waiting tasks that is idle and whose
 *       last poll returned Pending without taking its waker is a suspect; one still suspect with the same poll count a
 *       threshold later has not been polled, so not woken, since: it is reported once.</li>
 * </ul>
 *
 * <h2>Why a thread, and what it costs</h2>
 * A worker stuck in a poll cannot report itself, and Java has no signal to interrupt it: something else must look.
 * The tick is {@link #BUSY_TICK_NANOS} while any worker is awake and {@link #IDLE_TICK_NANOS} when all are parked, so
 * an idle runtime costs ten wake-ups a second and a busy one a hundred (each a few microseconds).
 *
 * <h2>Concurrency</h2>
 * Reads of worker and task fields are racy by design (opaque or plain, see each); a report is made only after the
 * same observation was made twice, a tick apart, so a torn or stale read can delay a report by a tick, never invent
 * one. Fields here are owned by the watchdog thread, except {@link #lost}, which dumps read.
 */
final class Watchdog implements Runnable {
    /** Tick while some worker is awake: a slow poll is seen within 10 ms of its threshold. */
    static final long BUSY_TICK_NANOS = 10_000_000L;
    /** Tick while every worker is parked: nothing can be slow, and lost-wakeup scans need no finer clock. */
    static final long IDLE_TICK_NANOS = 100_000_000L;
    /** After the escalation at ten times the threshold, a poll that still goes on is reported this often. */
    static final long SLOW_REPEAT_NANOS = 10_000_000_000L;

    private final Scheduler scheduler;
    private final Thread thread;
    private final long slowNanos;
    private final long lostNanos;
    private final long lostScanNanos;
    private volatile boolean stopped;

    // Slow-poll watch, per worker (watchdog only).
    private final Task<?>[] seenTask;
    private final long[] seenPolls;
    private final long[] seenSince;
    private final long[] nextReportAt;
    private final int[] reports;

    // Lost-wakeup watch (watchdog only, but for `lost`).
    private Map<Task<?>, long[]> suspects = new HashMap<>(); // task -> {polls, since}
    private final Map<Task<?>, Boolean> lost = new ConcurrentHashMap<>();
    private long lastLostScan;

    Watchdog(Scheduler scheduler) {
        this.scheduler = scheduler;
        DiagnosticsConfig d = scheduler.config().diagnostics();
        this.slowNanos = d.slowPollThreshold().toNanos();
        this.lostNanos = d.lostWakeupThreshold().toNanos();
        // A quarter of the threshold: a lost wakeup is reported within 1.25 thresholds. At most a scan a second.
        this.lostScanNanos = Math.min(1_000_000_000L, lostNanos / 4);
        int n = scheduler.workers.length;
        seenTask = new Task<?>[n];
        seenPolls = new long[n];
        seenSince = new long[n];
        nextReportAt = new long[n];
        reports = new int[n];
        thread = new Thread(this, scheduler.config().threadNamePrefix() + "watchdog");
        thread.setDaemon(true);
        scheduler.reporter().deliverer(() -> LockSupport.unpark(thread));
    }

    void start() {
        thread.start();
    }

    /** Stops the thread and waits for it (from terminate, after the workers drained). */
    void stop() {
        stopped = true;
        LockSupport.unpark(thread);
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether {@code t} was reported as a lost wakeup and has not been polled since (for dumps). */
    boolean isLost(Task<?> t) {
        return lost.containsKey(t);
    }

    @Override
    public void run() {
        while (!stopped) {
            boolean busy = scheduler.parkedWorkers() < scheduler.workers.length;
            LockSupport.parkNanos(this, busy ? BUSY_TICK_NANOS : IDLE_TICK_NANOS);
            if (stopped) {
                scheduler.reporter().drainDeferred(); // a report made just before close is still delivered
                return;
            }
            long now = CoarseClock.refresh();
            try {
                scheduler.reporter().drainDeferred();
                checkSlowPolls(now);
                if (now - lastLostScan >= lostScanNanos) {
                    lastLostScan = now;
                    scanLostWakeups(now);
                }
            } catch (Throwable t) {
                // A detector must never take the watchdog down (a listener or logger that throws is contained in the
                // Reporter; this is the last line). Counted as a contained fault; the next tick goes on.
                scheduler.faults().contain(dev.spindle.internal.task.FaultReporter.Kind.WORKER,
                        "running the diagnostics watchdog", t);
            }
        }
    }

    private void checkSlowPolls(long now) {
        Worker[] workers = scheduler.workers;
        for (int i = 0; i < workers.length; i++) {
            Worker w = workers[i];
            Task<?> t = w.pollingTask();
            long polls = w.stats.polls(); // racy: a hint, confirmed by seeing it unchanged a tick later
            if (t == null || t != seenTask[i] || polls != seenPolls[i]) {
                seenTask[i] = t;
                seenPolls[i] = polls;
                seenSince[i] = now;
                reports[i] = 0;
                nextReportAt[i] = slowNanos;
                continue;
            }
            long inPoll = now - seenSince[i];
            if (inPoll < nextReportAt[i]) {
                continue;
            }
            StackTraceElement[] stack = w.thread.getStackTrace();
            if (w.pollingTask() != t || w.stats.polls() != polls) {
                continue; // the poll ended while we sampled: the stack may show the next one
            }
            boolean first = reports[i] == 0;
            reports[i]++;
            nextReportAt[i] = first ? slowNanos * 10 : nextReportAt[i] + SLOW_REPEAT_NANOS;
            scheduler.reporter().report(new SlowPoll(scheduler.runtimeName(), t.info(TaskInfo.State.RUNNING),
                    w.thread.getName(), Duration.ofNanos(inPoll), Arrays.asList(stack)), first);
        }
    }

    private void scanLostWakeups(long now) {
        Map<Task<?>, long[]> next = new HashMap<>();
        scheduler.forEachRegistered(t -> {
            if (!t.isIdle() || !t.pendingWithoutWaker()) {
                return;
            }
            long polls = t.polls();
            long[] s = suspects.get(t);
            if (s == null || s[0] != polls) {
                s = new long[] {polls, now};
            } else if (now - s[1] >= lostNanos && !lost.containsKey(t)) {
                lost.put(t, Boolean.TRUE);
                scheduler.reporter().report(new LostWakeup(scheduler.runtimeName(), t.info(TaskInfo.State.LOST),
                        Duration.ofNanos(now - s[1])), true);
            }
            next.put(t, s);
        });
        lost.keySet().retainAll(next.keySet()); // polled since (or finished): no longer lost
        suspects = next;
    }
}
