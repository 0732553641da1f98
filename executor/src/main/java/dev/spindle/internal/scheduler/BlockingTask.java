package dev.spindle.internal.scheduler;

import dev.spindle.JoinHandle;
import dev.spindle.internal.task.Completion;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Blocking work ({@code spawnBlocking}) running on its own virtual thread; its handle.
 *
 * <h2>States</h2>
 * <pre>
 *   NEW ──start──▶ RUNNING ──body returns/throws──▶ DONE             (the handle completes with the outcome)
 *   NEW ──abort──▶ ABORTED                                           (the body never runs; completes cancelled)
 *   RUNNING ──abort──▶ ABORTED ──body returns/throws──▶ (completes cancelled, the outcome is dropped)
 * </pre>
 * {@code phase} is an atomic int; exactly one CAS leaves NEW and exactly one leaves RUNNING, and the handle is
 * completed by whoever ends the body's life: the abort that keeps it from starting, or the body's own thread when
 * it returns. So the handle completes exactly once, and only when the body no longer runs: an abort interrupts a
 * running body, but a body that ignores the interrupt keeps its handle (and the runtime's {@code close()}, which
 * waits for every live task) waiting until it returns. Done then means what a caller needs it to mean: the
 * body's code no longer runs and touches nothing.
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
    private final long createdAt = dev.spindle.internal.diagnostics.CoarseClock.now();

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
            // Aborted while running: the abort only interrupted us; the handle completes now that the body is over.
            completeCancelled("aborted");
            scheduler.blockingCompleted(this, null);
            return;
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
                        t.interrupt(); // the body's thread completes the handle when it returns (see class doc)
                    }
                    return;
                }
                completeCancelled("aborted");
                scheduler.blockingCompleted(this, null);
                return;
            }
        }
    }

    @Override
    public CompletableFuture<T> toCompletableFuture() {
        return completableFuture(this::abort);
    }

    @Override
    protected String describe() {
        return "blocking task #" + id;
    }

    /** For dumps: what this blocking task is and where its thread is. */
    dev.spindle.diagnostics.TaskInfo info() {
        java.time.Duration zero = java.time.Duration.ZERO;
        dev.spindle.diagnostics.TaskCounters none = new dev.spindle.diagnostics.TaskCounters(0, 0, 0, 0, 0, zero, zero,
                zero);
        return new dev.spindle.diagnostics.TaskInfo(id, null, "spawnBlocking("
                + dev.spindle.internal.diagnostics.TypeChain.simpleName(body.getClass()) + ")", "(not recorded)",
                dev.spindle.diagnostics.TaskInfo.State.BLOCKING, none,
                java.time.Duration.ofNanos(dev.spindle.internal.diagnostics.CoarseClock.since(createdAt,
                        dev.spindle.internal.diagnostics.CoarseClock.now())), zero, describeRunning());
    }

    /** For shutdown warnings: the body's thread and the top of its stack. */
    String describeRunning() {
        Thread t = thread;
        if (t == null || !t.isAlive()) {
            return describe() + " (not running)";
        }
        StringBuilder b = new StringBuilder(describe()).append(" on ").append(t)
                .append(phase.get() == ABORTED ? ", aborted (interrupted) but still running" : "");
        StackTraceElement[] stack = t.getStackTrace();
        for (int i = 0; i < Math.min(stack.length, 6); i++) {
            b.append("\n      at ").append(stack[i]);
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "BlockingTask[#" + id + ", phase=" + phase.get() + "]";
    }
}
