package dev.spindle.internal.task;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.Waker;
import dev.spindle.diagnostics.BusyLoopException;
import dev.spindle.diagnostics.BusyLoopPolicy;
import dev.spindle.diagnostics.TaskCounters;
import dev.spindle.diagnostics.TaskInfo;
import dev.spindle.internal.diagnostics.CoarseClock;
import dev.spindle.internal.diagnostics.SpawnSites;
import dev.spindle.internal.diagnostics.TypeChain;

import java.util.concurrent.CompletableFuture;

/**
 * A spawned future, its state word, its outcome, and its own {@link Waker} and {@link JoinHandle}: one
 * object per task, so a wake or a poll allocates nothing.
 *
 * <h2>Ownership</h2>
 * <ul>
 *   <li>{@code future}: touched only by the worker that won {@link #transitionToRunning()}; the state CAS
 *       hands it from one poll to the next (see {@link TaskState}).</li>
 *   <li>the links of the runtime's list of waiting tasks (inherited from {@code IntrusiveList.Node}): guarded by
 *       the lock of that list's shard.</li>
 *   <li>{@code polls}, {@code registered}: written and read only by the worker running the task; runs are
 *       serialized by the state word, whose CASes hand them from one run to the next (as for
 *       {@code future}). {@code polls} is also read racily for diagnostics.</li>
 * </ul>
 *
 * <h2>Running (see {@link #run(Context)})</h2>
 * transitionToRunning → POLL: poll the future; Ready → complete; throws → fail; Pending →
 * transitionToIdle (OK: wait for a wake; OK_NOTIFIED: requeue; CANCEL: cancel). CANCEL: run the future's
 * release hook once, then complete as cancelled.
 *
 * <h2>Lazy registration in the runtime's list of waiting tasks</h2>
 * The list exists so that closing the runtime can cancel every task; spawning does not touch it, and most
 * tasks (those ready on their first poll) never do. Instead:
 * <ol>
 *   <li>Before the first poll, still RUNNING, the worker asks {@link TaskScheduler#admitFirstPoll}: once the
 *       runtime cancels everything, a task taken from a queue is cancelled instead of polled.</li>
 *   <li>When the first poll returns Pending, the worker {@link TaskScheduler#register registers} the task
 *       <em>before</em> the transition out of RUNNING. Until that transition no other thread can run,
 *       cancel or complete the task, so the task is in the list whenever anybody else could touch it; and if
 *       the list is already closed, the worker still owns the task and cancels it right there.</li>
 *   <li>Completion deregisters only a registered task ({@code registered}, see Ownership).</li>
 * </ol>
 */
public final class Task<T> extends TaskState<T> implements Waker, JoinHandle<T> {

    /** What the worker must do after {@link #run(Context)}. */
    public enum RunOutcome {
        /** Waiting for a wake. */
        IDLE,
        /** Woken during its poll (e.g. it yielded): queue it again, at the back. */
        REQUEUE,
        /** Finished (or a stale entry of a finished task): forget it. */
        DONE
    }

    /**
     * No-progress polls in a row between two looks at the clock by the busy-loop detector. A look costs a
     * {@code nanoTime} (30 ns here); every 16th poll of a task that is already suspect makes that under 2 ns a poll,
     * and a healthy task, whose streaks end within a poll or two, never looks.
     */
    static final int STREAK_CHECK = 16;
    /**
     * Polls without progress per second that make a busy loop when they are not all self-wakes: a task woken from
     * outside that finds nothing to do, 2,000 times a second for a whole window. A legitimate task that is woken
     * often (a socket with traffic, a busy channel) makes progress on nearly every wake and never gets near.
     */
    static final long BUSY_POLLS_PER_SECOND = 2_000;
    /** First delay of a throttled task's polls; it doubles each time, up to {@link #MAX_BACKOFF_NANOS}. */
    static final long FIRST_BACKOFF_NANOS = 1_000_000L;
    /** Longest delay: a throttled task still runs ten times a second, so it can recover by itself. */
    static final long MAX_BACKOFF_NANOS = 100_000_000L;
    /** Between two busy-loop reports of the same task while it goes on looping. */
    static final long BUSY_REPORT_INTERVAL_NANOS = 60_000_000_000L;

    private final long id;
    private final TaskScheduler scheduler;
    private Future<T> future;
    private long polls;
    private final String name;
    /** Where it was spawned ({@code SpawnSites.capture}): a frame, a stack, or null. */
    private final Object spawnSite;

    /** Coarse time ({@code CoarseClock}) of the spawn. */
    private final long spawnedAt;
    /**
     * Coarse time of the last scheduling (a wake or a requeue): written by whoever scheduled the task, before it
     * queues it, and read by the worker that takes it from the queue (the queue publishes it).
     */
    private long scheduledAt;
    /**
     * Counters and detector state, from the first Pending poll on (see {@link TaskStats}); null before. Written by the
     * poller before its transition out of RUNNING, so a waker (after its own transition) and later pollers see it.
     */
    private TaskStats stats;
    /**
     * The thread polling this task right now, or null. Plain: written and cleared by that thread around the
     * poll; another thread reading it sees null or a different thread, never itself (it cleared the field
     * after its own last poll), so the comparison in {@link #wake()} is only ever true on the polling thread.
     */
    private Thread runner;
    /** A wake from inside the poll, on the polling thread (see {@link #wake()}); owned by that thread. */
    private boolean selfWoken;
    /**
     * Whether the runtime's list of waiting tasks holds this task (see "Lazy registration"). Plain, owned by the
     * worker running the task: set by the first poll's worker before its transition out of RUNNING (a CAS,
     * volatile), read at completion by the worker of a later run after its transitionToRunning CAS, which
     * reads that value or a later one of the state word: so the write happens-before the read.
     */
    private boolean registered;

    public Task(long id, Future<T> future, TaskScheduler scheduler) {
        this(id, null, null, future, scheduler);
    }

    public Task(long id, String name, Object spawnSite, Future<T> future, TaskScheduler scheduler) {
        this.id = id;
        this.name = name;
        this.spawnSite = spawnSite;
        this.future = future;
        this.scheduler = scheduler;
        this.spawnedAt = CoarseClock.now();
        initScheduled();
    }

    @Override
    public long id() {
        return id;
    }

    /** Polls so far (racy read). */
    public long polls() {
        return polls;
    }

    /** The name given at spawn, or null. */
    public String name() {
        return name;
    }

    // ---- Waker -------------------------------------------------------------------------------------

    @Override
    public void wake() {
        if (runner == Thread.currentThread()) {
            // The task wakes itself during its own poll (yield, spent budget): record it without a CAS;
            // run() turns it into one transition from RUNNING to scheduled after the poll.
            selfWoken = true;
            return;
        }
        switch (transitionToNotified()) {
            case SUBMIT -> {
                // In the task, not in its stats: the CAS above just took the line that holds the state word, and a
                // store into the stats (which the poller writes on every poll, on another core) would bounce a second
                // line per wake (measured: +30 % on a ping-pong between two workers).
                scheduledAt = CoarseClock.now(); // before queueing: the queue publishes it to the poller
                scheduler.schedule(this, true);
            }
            case DO_NOTHING -> {
            }
        }
    }

    // ---- run by a worker ---------------------------------------------------------------------------

    /** Runs one scheduling of this task on the calling worker. */
    public RunOutcome run(Context cx) {
        TaskStats st = stats;
        if (st != null && st.throttleUntil != 0 && deferThrottled(st)) {
            return RunOutcome.DONE; // still NOTIFIED: the throttle's timer queues it again (see deferThrottled)
        }
        switch (transitionToRunning()) {
            case DONE -> {
                return RunOutcome.DONE;
            }
            case CANCEL -> {
                cancelNow("aborted");
                return RunOutcome.DONE;
            }
            case POLL -> {
            }
        }
        long n = polls;
        if (n == 0 && !scheduler.admitFirstPoll(this)) {
            cancelNow("aborted"); // the runtime is cancelling every task: never start one now
            return RunOutcome.DONE;
        }
        polls = n + 1;
        long start = CoarseClock.now();
        if (st != null) {
            if (!st.requeued) {
                st.wakes++; // this poll follows a wake from elsewhere: counted by the poller, the waker pays nothing
            }
            st.lastWakeToPollNanos = CoarseClock.since(scheduledAt, start);
        }
        Poll<T> p;
        runner = Thread.currentThread();
        try {
            p = future.poll(cx);
            if (p == null) {
                throw new NullPointerException("the future " + future.getClass().getName()
                        + " returned null from poll(): return Poll.ready(value) or Poll.pending()");
            }
        } catch (Throwable failure) {
            runner = null;
            selfWoken = false;
            if (st != null) {
                endPoll(st, start);
            }
            fail(failure);
            return RunOutcome.DONE;
        }
        runner = null;
        boolean woke = selfWoken;
        selfWoken = false;
        if (p.isReady()) {
            if (st != null) {
                endPoll(st, start);
                if (st.streak != 0) {
                    endStreak(st);
                }
            }
            succeed(p);
            return RunOutcome.DONE;
        }
        if (st == null) {
            // The first Pending: from now on the task is long-lived enough to keep counters (see TaskStats).
            st = stats = new TaskStats();
            st.lastWakeToPollNanos = CoarseClock.since(spawnedAt, start);
        }
        endPoll(st, start);
        if (observePending(st, cx, n, woke)) {
            return RunOutcome.DONE; // aborted as a busy loop
        }
        if (!registered) {
            // The first Pending: join the list of waiting tasks while still RUNNING (see "Lazy registration").
            if (!scheduler.register(this)) {
                cancelNow("aborted"); // the list is closed: the runtime is cancelling every task, this one too
                return RunOutcome.DONE;
            }
            registered = true;
        }
        st.requeued = woke;
        if (woke) {
            scheduledAt = CoarseClock.now(); // requeued by this worker right after the transition below
        }
        return switch (woke ? transitionToNotifiedFromRunning() : transitionToIdle()) {
            case OK -> RunOutcome.IDLE;
            case OK_NOTIFIED -> RunOutcome.REQUEUE;
            case CANCEL -> {
                cancelNow("aborted");
                yield RunOutcome.DONE;
            }
        };
    }

    /** After each poll of a task with counters: the coarse poll time. */
    private static void endPoll(TaskStats st, long start) {
        long end = CoarseClock.now();
        long d = CoarseClock.since(start, end);
        st.busyNanos += d;
        if (d > st.longestPollNanos) {
            st.longestPollNanos = d;
        }
        st.lastPollEnd = end;
    }

    /**
     * After a poll that returned Pending: the counters, the lost-wakeup mark and the busy-loop streak. Returns true if
     * the task was aborted as a busy loop (it is then complete).
     */
    private boolean observePending(TaskStats st, Context cx, long pollIndex, boolean woke) {
        int marks;
        if (cx instanceof PollMarks m) {
            marks = m.pollMarks();
            Object waiting = m.pollWaitingOn();
            if (waiting != st.waitingOn) {
                st.waitingOn = waiting; // usually the same object poll after poll: skip the store and its GC barrier
            }
        } else {
            marks = PollMarks.PROGRESS | PollMarks.WAKER_TAKEN; // polled by hand (tests): nothing to judge
        }
        if (woke) {
            st.selfWakes++;
        }
        st.pendingWithoutWaker = !woke && (marks & PollMarks.WAKER_TAKEN) == 0;
        if ((marks & PollMarks.DECLARED_YIELD) != 0) {
            st.declaredYields++;
            if (st.streak != 0) {
                endStreak(st);
            }
            return false;
        }
        if ((marks & PollMarks.PROGRESS) != 0 || pollIndex == 0) {
            if (st.streak != 0) {
                endStreak(st);
            }
            return false;
        }
        st.noProgressPolls++;
        long s = ++st.streak;
        if ((s & (STREAK_CHECK - 1)) == 0 && scheduler.detectsBusyLoops()) {
            return checkBusyLoop(st, s);
        }
        if (st.throttleUntil != 0) {
            throttleNext(st); // throttled and still no progress: its next poll waits longer
        }
        return false;
    }

    /**
     * Every {@link #STREAK_CHECK} polls of a streak: has it gone on for a whole window, fast enough to be a loop?
     * Fast enough: {@link #BUSY_POLLS_PER_SECOND}, or any rate at all when (nearly) every poll woke the task itself,
     * since such a task is never idle: it holds a worker however slow each poll is.
     */
    private boolean checkBusyLoop(TaskStats w, long s) {
        long now = System.nanoTime();
        if (w.windowStart == 0) {
            w.windowStart = now;
            w.windowStreak = s;
            w.windowSelfWakes = w.selfWakes;
            return false;
        }
        long elapsed = now - w.windowStart;
        long window = scheduler.busyLoopWindowNanos();
        if (w.throttleUntil != 0) {
            throttleNext(w);
        }
        if (elapsed < window) {
            return false;
        }
        long pollsInWindow = s - w.windowStreak;
        long selfInWindow = w.selfWakes - w.windowSelfWakes;
        boolean allSelf = selfInWindow * 10 >= pollsInWindow * 9;
        boolean fast = pollsInWindow * 1_000_000_000L >= BUSY_POLLS_PER_SECOND * elapsed;
        if (!fast && !allSelf) {
            // Slow polls without progress (a noisy but harmless source): start a new window.
            w.windowStart = now;
            w.windowStreak = s;
            w.windowSelfWakes = w.selfWakes;
            return false;
        }
        boolean first = !w.busy;
        if (!first && now - w.lastBusyReport < BUSY_REPORT_INTERVAL_NANOS) {
            return false; // still looping, already reported and handled
        }
        w.busy = true;
        w.lastBusyReport = now;
        BusyLoopPolicy policy = scheduler.busyLoop(this, pollsInWindow, selfInWindow, elapsed, first);
        switch (policy) {
            case REPORT -> {
            }
            case THROTTLE -> {
                if (w.throttleUntil == 0) {
                    scheduler.throttled(1);
                    w.backoffNanos = FIRST_BACKOFF_NANOS;
                    throttleNext(w);
                }
            }
            case ABORT -> {
                cancelNow("aborted as a busy loop: " + TypeChain.of(future),
                        new BusyLoopException(lastBusyLoop(pollsInWindow, selfInWindow, elapsed, policy)));
                return true;
            }
        }
        return false;
    }

    /** The report to attach to an abort (the detector already logged its own copy). */
    private dev.spindle.diagnostics.BusyLoop lastBusyLoop(long pollsInWindow, long self, long nanos,
                                                         BusyLoopPolicy policy) {
        return new dev.spindle.diagnostics.BusyLoop(scheduler.runtimeName(), info(TaskInfo.State.RUNNING), pollsInWindow,
                self, java.time.Duration.ofNanos(nanos), policy);
    }

    /** Throttled and another poll without progress: the next poll waits, twice as long as the last (capped). */
    private static void throttleNext(TaskStats w) {
        long b = w.backoffNanos;
        w.throttleUntil = System.nanoTime() + b;
        w.backoffNanos = Math.min(b * 2, MAX_BACKOFF_NANOS);
    }

    /**
     * At the start of a run of a throttled task (still NOTIFIED, just taken from a queue): if its next poll is not due
     * yet, hand it to a timer that queues it again when it is, and return true. The state stays NOTIFIED throughout,
     * so wakes meanwhile do nothing (the task is "scheduled": the timer plays the part of the queue), and an abort
     * is seen by the run the timer leads to.
     */
    private boolean deferThrottled(TaskStats w) {
        long wait = w.throttleUntil - System.nanoTime();
        if (wait <= 0 || (stateBits() & (CANCELLED | COMPLETE)) != 0) {
            return false; // due, or aborted (the cancellation runs now, not after the backoff), or stale
        }
        scheduler.deferPoll(this, wait);
        return true;
    }

    /** A streak of polls without progress ended (progress, a declared yield, or completion): lift everything. */
    private void endStreak(TaskStats w) {
        w.streak = 0;
        if (w.throttleUntil != 0) {
            w.throttleUntil = 0;
            scheduler.throttled(-1);
        }
        w.windowStart = 0;
        w.busy = false;
        w.backoffNanos = 0;
    }

    private void succeed(Poll<T> ready) {
        future = null;
        transitionToComplete();
        completeWithReady(ready);
        completed(null);
    }

    private void fail(Throwable failure) {
        TaskStats st = stats;
        if (st != null && st.streak != 0) {
            endStreak(st);
        }
        future = null;
        transitionToComplete();
        boolean observed = completeWithFailure(failure) || isObserved();
        completed(observed ? null : failure);
    }

    /** After the outcome is published: leave the list of waiting tasks if in it, then tell the scheduler. */
    private void completed(Throwable unobservedFailure) {
        if (registered) {
            registered = false;
            scheduler.deregister(this);
        }
        scheduler.taskCompleted(this, unobservedFailure);
    }

    private void cancelNow(String reason) {
        cancelNow(reason, null);
    }

    private void cancelNow(String reason, Throwable why) {
        TaskStats st = stats;
        if (st != null && st.streak != 0) {
            endStreak(st);
        }
        Future<T> f = future;
        future = null;
        if (f != null) {
            try {
                f.cancel();
            } catch (Throwable hookFailure) {
                scheduler.reportHookFailure(this, hookFailure);
            }
        }
        transitionToComplete();
        Throwable runtimeFailure = scheduler.failure();
        if (runtimeFailure != null) {
            completeCancelled("the runtime failed: " + runtimeFailure, runtimeFailure);
        } else if (why != null) {
            completeCancelled(reason, why);
        } else {
            completeCancelled(reason);
        }
        completed(null);
    }

    // ---- JoinHandle (the methods that observe the outcome are Completion's) ------------------------

    @Override
    public void abort() {
        switch (transitionToAborted()) {
            case SUBMIT -> scheduler.schedule(this, false);
            case DO_NOTHING, ALREADY_DONE -> {
            }
        }
    }

    @Override
    public CompletableFuture<T> toCompletableFuture() {
        return completableFuture(this::abort);
    }

    @Override
    protected String describe() {
        return "task #" + id;
    }

    // ---- diagnostics ---------------------------------------------------------------------------------

    /**
     * A snapshot for reports and dumps, from any thread: racy reads of plain fields (see the class comment), so the
     * numbers of a task running now may be a poll behind. {@code state} overrides what the state word says when the
     * caller knows better (the watchdog: LOST), else null.
     */
    public TaskInfo info(TaskInfo.State state) {
        long now = CoarseClock.now();
        int bits = stateBits();
        TaskInfo.State st = state;
        TaskStats w = stats;
        if (st == null) {
            if ((bits & COMPLETE) != 0) {
                st = TaskInfo.State.DONE;
            } else if ((bits & RUNNING) != 0) {
                st = TaskInfo.State.RUNNING;
            } else if (w != null && w.throttleUntil != 0) {
                st = TaskInfo.State.THROTTLED;
            } else if ((bits & NOTIFIED) != 0) {
                st = TaskInfo.State.SCHEDULED;
            } else {
                st = TaskInfo.State.IDLE;
            }
        }
        Future<T> f = future;
        String chain = f == null ? "(finished)" : TypeChain.of(f);
        Object waiting = w == null ? null : w.waitingOn;
        String waitingText = null;
        if (waiting != null) {
            try {
                waitingText = waiting.toString();
            } catch (Throwable t) {
                waitingText = waiting.getClass().getName() + " (its toString threw " + t + ")";
            }
        }
        long lastEnd = w == null ? 0 : w.lastPollEnd;
        java.time.Duration idle = st == TaskInfo.State.RUNNING || lastEnd == 0 ? java.time.Duration.ZERO
                : java.time.Duration.ofNanos(CoarseClock.since(lastEnd, now));
        TaskCounters c = w == null
                ? new TaskCounters(polls, 0, 0, 0, 0, java.time.Duration.ZERO, java.time.Duration.ZERO,
                        java.time.Duration.ofNanos(CoarseClock.since(spawnedAt, now)))
                : new TaskCounters(polls, w.wakes, w.selfWakes, w.declaredYields, w.noProgressPolls,
                        java.time.Duration.ofNanos(w.busyNanos), java.time.Duration.ofNanos(w.longestPollNanos),
                        java.time.Duration.ofNanos(w.lastWakeToPollNanos));
        return new TaskInfo(id, name, chain, SpawnSites.describe(spawnSite), st, c,
                java.time.Duration.ofNanos(CoarseClock.since(spawnedAt, now)), idle, waitingText);
    }

    /** For the lost-wakeup watch (racy): whether the last poll returned Pending without taking its waker. */
    public boolean pendingWithoutWaker() {
        TaskStats st = stats;
        return st != null && st.pendingWithoutWaker;
    }

    /** For the lost-wakeup watch: idle (not scheduled, running or complete), from the state word. */
    public boolean isIdle() {
        return (stateBits() & (RUNNING | NOTIFIED | COMPLETE)) == 0;
    }

    /** The class of the future, or null once finished; for the spawn-site cache, on the thread polling this task. */
    public Class<?> futureType() {
        Future<T> f = future;
        return f == null ? null : f.getClass();
    }

    /** The future's type chain now (racy; for reports). */
    public String typeChain() {
        Future<T> f = future;
        return f == null ? "(finished)" : TypeChain.of(f);
    }

    @Override
    public String toString() {
        return "Task[#" + id + ", " + describeBits(stateBits()) + ", polls=" + polls + "]";
    }
}
