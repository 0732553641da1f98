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
 *   <li>{@code polls}: written by the running worker only; read racily for diagnostics.</li>
 * </ul>
 *
 * <h2>Running (see {@link #run(Context)})</h2>
 * transitionToRunning → POLL: poll the future; Ready → complete; throws → fail; Pending →
 * transitionToIdle (OK: wait for a wake; OK_NOTIFIED: requeue; CANCEL: cancel). CANCEL: run the future's
 * release hook once, then complete as cancelled.
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

    /** Links of the runtime's list of live tasks; guarded by that list's shard lock. */
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
        polls++;
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
        scheduler.taskCompleted(this, null);
    }

    private void fail(Throwable failure) {
        future = null;
        transitionToComplete();
        boolean observed = completeWithFailure(failure) || isObserved();
        scheduler.taskCompleted(this, observed ? null : failure);
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
        scheduler.taskCompleted(this, null);
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
