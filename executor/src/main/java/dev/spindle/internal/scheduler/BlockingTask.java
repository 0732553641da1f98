package dev.spindle.internal.scheduler;

import dev.spindle.Context;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.internal.task.Completion;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Blocking work ({@code spawnBlocking}) running on its own virtual thread; its handle.
 *
 * <h2>States</h2>
 * <pre>
 *   NEW ──start──▶ RUNNING ──body returns/throws──▶ DONE
 *   NEW/RUNNING ──abort──▶ ABORTED (the thread, if running, is interrupted; the handle completes cancelled)
 * </pre>
 * {@code phase} is an atomic int; exactly one of "the body finished" and "abort" wins the CAS out of RUNNING,
 * and only the winner completes the handle, so it completes exactly once.
 */
final class BlockingTask<T> extends Completion<T> implements JoinHandle<T> {
    private static final int NEW = 0;
    private static final int RUNNING = 1;
    private static final int DONE = 2;
    private static final int ABORTED = 3;

    private final long id;
    private final Callable<T> body;
    private final Scheduler scheduler;
    private final Runnable enter;
    private final Runnable exit;
    private final AtomicInteger phase = new AtomicInteger(NEW);
    private volatile Thread thread;

    BlockingTask(long id, Callable<T> body, Scheduler scheduler, Runnable enter, Runnable exit) {
        this.id = id;
        this.body = body;
        this.scheduler = scheduler;
        this.enter = enter;
        this.exit = exit;
    }

    void start(String name) {
        Thread t = Thread.ofVirtual().name(name).unstarted(this::runBody);
        thread = t;
        t.start();
    }

    private void runBody() {
        if (!phase.compareAndSet(NEW, RUNNING)) {
            return; // aborted before it started; the abort completed the handle
        }
        enter.run();
        T value = null;
        Throwable failure = null;
        try {
            value = body.call();
        } catch (Throwable t) {
            failure = t;
        } finally {
            exit.run();
        }
        if (!phase.compareAndSet(RUNNING, DONE)) {
            return; // aborted while running: the handle is already complete
        }
        if (failure != null) {
            boolean observed = completeWithFailure(failure);
            scheduler.blockingCompleted(this, observed ? null : failure);
        } else {
            completeWithValue(value);
            scheduler.blockingCompleted(this, null);
        }
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public void abort() {
        for (;;) {
            int p = phase.get();
            if (p == DONE || p == ABORTED) {
                return;
            }
            if (phase.compareAndSet(p, ABORTED)) {
                if (p == RUNNING) {
                    Thread t = thread;
                    if (t != null) {
                        t.interrupt();
                    }
                }
                completeCancelled("aborted");
                scheduler.blockingCompleted(this, null);
                return;
            }
        }
    }

    @Override
    public Poll<T> poll(Context cx) {
        return pollJoin(cx);
    }

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
    public CompletableFuture<T> toCompletableFuture() {
        return completableFuture(this::abort);
    }

    @Override
    protected String describe() {
        return "blocking task #" + id;
    }

    @Override
    public String toString() {
        return "BlockingTask[#" + id + ", phase=" + phase.get() + "]";
    }
}
