package dev.spindle.internal.task;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.Waker;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * A spawned future, its state word, its outcome, and its own {@link Waker} and {@link JoinHandle}: one
 * object per task, so a wake or a poll allocates nothing.
 *
 * <h2>Ownership</h2>
 * <ul>
 *   <li>{@code future}: touched only by the worker that won {@link #transitionToRunning()}; the state CAS
 *       hands it from one poll to the next (see {@link TaskState}).</li>
 *   <li>{@code ownedPrev/ownedNext}: guarded by the lock of the runtime's task-list shard.</li>
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

    private final long id;
    private final TaskScheduler scheduler;
    private Future<T> future;
    private int polls;
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

    /** Links of the runtime's list of waiting tasks; guarded by that list's shard lock. */
    public Task<?> ownedPrev;
    public Task<?> ownedNext;

    public Task(long id, Future<T> future, TaskScheduler scheduler) {
        this.id = id;
        this.future = future;
        this.scheduler = scheduler;
        initScheduled();
    }

    @Override
    public long id() {
        return id;
    }

    /** Polls so far (racy read). */
    public int polls() {
        return polls;
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
            case SUBMIT -> scheduler.schedule(this, true);
            case DO_NOTHING -> {
            }
        }
    }

    // ---- run by a worker ---------------------------------------------------------------------------

    /** Runs one scheduling of this task on the calling worker. */
    public RunOutcome run(Context cx) {
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
        int n = polls;
        if (n == 0 && !scheduler.admitFirstPoll(this)) {
            cancelNow("aborted"); // the runtime is cancelling every task: never start one now
            return RunOutcome.DONE;
        }
        polls = n + 1;
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
            fail(failure);
            return RunOutcome.DONE;
        }
        runner = null;
        boolean woke = selfWoken;
        selfWoken = false;
        if (p.isReady()) {
            succeed(p);
            return RunOutcome.DONE;
        }
        if (!registered) {
            // The first Pending: join the list of waiting tasks while still RUNNING (see "Lazy registration").
            if (!scheduler.register(this)) {
                cancelNow("aborted"); // the list is closed: the runtime is cancelling every task, this one too
                return RunOutcome.DONE;
            }
            registered = true;
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

    private void succeed(Poll<T> ready) {
        future = null;
        transitionToComplete();
        completeWithReady(ready);
        completed(null);
    }

    private void fail(Throwable failure) {
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
        } else {
            completeCancelled(reason);
        }
        completed(null);
    }

    // ---- JoinHandle --------------------------------------------------------------------------------

    @Override
    public Poll<T> poll(Context cx) {
        return pollJoin(cx);
    }

    /** Abandoning the handle detaches the task (it keeps running); see {@link JoinHandle}. */
    @Override
    public void cancel() {
        dropAsyncJoiner();
    }

    @Override
    public T join() {
        return joinBlocking();
    }

    @Override
    public T join(Duration timeout) throws InterruptedException, TimeoutException {
        return joinBlocking(timeout);
    }

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

    @Override
    public String toString() {
        return "Task[#" + id + ", " + describeBits(stateBits()) + ", polls=" + polls + "]";
    }
}
