package dev.spindle.internal.task;

import dev.spindle.Context;
import dev.spindle.Poll;
import dev.spindle.TaskCancelledException;
import dev.spindle.TaskFailedException;
import dev.spindle.Waker;
import dev.spindle.internal.util.IntrusiveList;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * The result of a task and the parties waiting for it: what a {@link dev.spindle.JoinHandle} observes.
 *
 * <h2>Protocol</h2>
 * <pre>
 *   waiters:  null ──push──▶ Node → Node → … ──complete()──▶ COMPLETED (terminal)
 * </pre>
 * <ul>
 *   <li>{@code outcome} is written once, by the completing thread, <em>before</em> the
 *       {@code getAndSet(waiters, COMPLETED)} that publishes it. Readers see {@code waiters == COMPLETED}
 *       with an acquire (volatile) read first, then read {@code outcome} plainly.</li>
 *   <li>A waiter pushes its node with a CAS unless the stack is {@code COMPLETED}, then re-checks
 *       completion. The completer swaps in {@code COMPLETED} and wakes every node it took. Either the
 *       completer's swap sees the node, or the waiter's re-check sees {@code COMPLETED}: both are
 *       sequentially consistent accesses of the same variable, so a waiter is never stranded.</li>
 *   <li>The one asynchronous joiner (the task polling the handle as a future) does not allocate a node: its
 *       waker goes in {@code joinWaker}, written volatile before the re-check of completion; the completer
 *       reads it volatile after its swap (Dekker: at least one of them sees the other's write). If both do,
 *       the joiner returns {@code Ready} and also receives one stale wake: a single spurious poll, never a
 *       loop.</li>
 *   <li>A value outcome is stored as the {@link Poll.Ready} the future returned, so awaiting it allocates
 *       nothing.</li>
 *   <li>A blocking joiner that gives up (timeout, interrupt) clears its node's waker and unlinks abandoned nodes
 *       ({@link #cleanStack()}), so retrying timed joins do not grow the stack. The completer skips nodes whose
 *       waker is null, and wakes each waiter in isolation: one waker that throws costs the others nothing.</li>
 * </ul>
 * Completion happens exactly once; a second attempt is a bug in the runtime and throws.
 *
 * <p>The {@link dev.spindle.JoinHandle} methods that only observe the outcome ({@code poll}, {@code cancel},
 * {@code join}, {@code isDone}, {@code isCancelled}) live here, so a task and a blocking task share them; each
 * subclass that is a handle adds what differs between them: its id, how it is aborted, and
 * {@code toCompletableFuture} (whose cancel aborts).
 *
 * <p>It extends {@link IntrusiveList.Node} only for {@link Task}, its subclass, which the runtime links into its
 * list of waiting tasks without allocating a node: this is the root of Task's hierarchy, and Java has one
 * superclass. (A blocking task carries the two unused links too.)
 */
public abstract class Completion<T> extends IntrusiveList.Node {
    /** Terminal marker of the waiter stack. */
    private static final Object COMPLETED = new Object();

    private static final VarHandle WAITERS;
    private static final VarHandle JOIN_WAKER;

    /**
     * Classes needed only when something goes wrong, loaded up front: under descriptor exhaustion (EMFILE) or
     * memory pressure the class loader may be unable to read a class file, and a failure path that fails to
     * load would turn one failed task into a dead worker.
     */
    @SuppressWarnings("unused")
    private static final Class<?>[] PRELOADED = {Failed.class, Cancelled.class, TaskFailedException.class,
            TaskCancelledException.class, java.util.concurrent.CompletionException.class,
            dev.spindle.internal.combinator.MapFuture.class, dev.spindle.internal.combinator.FlatMapFuture.class};

    static {
        try {
            WAITERS = MethodHandles.lookup().findVarHandle(Completion.class, "waiters", Object.class);
            JOIN_WAKER = MethodHandles.lookup().findVarHandle(Completion.class, "joinWaker", Waker.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** null, a {@link Node} (top of the stack), or {@link #COMPLETED}. Accessed only through WAITERS. */
    @SuppressWarnings("unused")
    private Object waiters;

    /**
     * {@link Poll.Ready}, {@link Failed} or {@link Cancelled}; written before COMPLETED is published (see
     * class doc).
     */
    private Object outcome;

    /** The waker of the asynchronous joiner, or null. Accessed only through JOIN_WAKER (volatile). */
    @SuppressWarnings("unused")
    private Waker joinWaker;

    /** A failure outcome. */
    record Failed(Throwable cause) {
    }

    /** A cancellation outcome; {@code cause} is why the runtime failed, if that is why, else null. */
    record Cancelled(String reason, Throwable cause) {
    }

    /** One party waiting for completion. */
    static final class Node {
        /** Null once its owner gave up (a timed-out or interrupted join): the completer skips it, cleaners unlink it. */
        volatile Waker waker; // volatile: cleared by its owner, read by the completer and cleaners (see class doc)
        /**
         * Written before the CAS that publishes the node; afterwards only by {@link #cleanStack()}, which may
         * point it past an abandoned successor. Volatile: a cleaner and the completer read it concurrently.
         */
        volatile Node next;

        Node(Waker waker) {
            this.waker = waker;
        }
    }

    /** Whether the outcome is published. Volatile read; pairs with the getAndSet in {@link #publish}. */
    public final boolean isDone() {
        return WAITERS.getVolatile(this) == COMPLETED;
    }

    /** Whether it completed through cancellation. Meaningful once {@link #isDone()}. */
    public final boolean isCancelled() {
        return isDone() && outcome instanceof Cancelled;
    }

    /** Whether it completed with a failure. */
    public final boolean isFailed() {
        return isDone() && outcome instanceof Failed;
    }

    /** A short description of the task for messages and dumps. */
    protected abstract String describe();

    /**
     * Publishes {@code value}. Returns whether anybody was waiting (for unobserved-failure reporting).
     */
    protected final boolean completeWithValue(T value) {
        return publish(Poll.ready(value));
    }

    /** Publishes the {@code Ready} a future returned, keeping the object for joiners to reuse. */
    protected final boolean completeWithReady(Poll<T> ready) {
        return publish(ready);
    }

    /** Publishes a failure; returns whether anybody was waiting. */
    protected final boolean completeWithFailure(Throwable cause) {
        return publish(new Failed(cause));
    }

    /** Publishes a cancellation. */
    protected final void completeCancelled(String reason) {
        publish(new Cancelled(reason, null));
    }

    /** Publishes a cancellation caused by {@code cause} (the runtime failed), which joiners get as the cause. */
    protected final void completeCancelled(String reason, Throwable cause) {
        publish(new Cancelled(reason, cause));
    }

    private boolean publish(Object result) {
        if (WAITERS.getVolatile(this) == COMPLETED) { // pairs with the getAndSet of an earlier completion
            throw new IllegalStateException(describe() + " completed twice: this is a bug in Spindle");
        }
        outcome = result; // plain: published by the getAndSet below (release), acquired by isDone()
        Object head = WAITERS.getAndSet(this, COMPLETED); // volatile; pairs with the CAS in push() and isDone()
        if (head == COMPLETED) {
            throw new IllegalStateException(describe() + " completed twice: this is a bug in Spindle");
        }
        boolean anyLive = false;
        for (Node n = (Node) head; n != null; n = n.next) {
            Waker w = n.waker; // volatile read after the swap: pairs with writes by the node's owner
            if (w != null) {
                anyLive = true;
                wakeContained(w);
            }
        }
        Waker jw = (Waker) JOIN_WAKER.getVolatile(this); // after the swap: pairs with the write in poll
        if (jw != null) {
            wakeContained(jw);
        }
        return anyLive || jw != null;
    }

    /**
     * Wakes one waiter; a waker that throws is reported and the others are still woken. The completion itself
     * must go through: the completing task still has to be counted done, or close() would wait for it forever.
     */
    private static void wakeContained(Waker w) {
        try {
            w.wake();
        } catch (Throwable failure) {
            FaultReporter.current().contain(FaultReporter.Kind.WAKER, "waking the waiters of a completed task", failure);
        }
    }

    /** Pushes a waiter unless completed; returns false if already completed. */
    private boolean push(Node node) {
        for (;;) {
            Object head = WAITERS.getVolatile(this); // pairs with the completer's getAndSet
            if (head == COMPLETED) {
                return false;
            }
            node.next = (Node) head;
            if (WAITERS.compareAndSet(this, head, node)) { // volatile; pairs with the getAndSet in publish()
                return true;
            }
        }
    }

    /**
     * A timed or interrupted join gave up: its node must not stay behind until the task completes, or a
     * retry loop ({@code while (!done) join(1 ms)}) grows the stack without bound.
     */
    private void abandon(Node node) {
        node.waker = null; // volatile; from now on the completer skips the node and cleaners unlink it
        cleanStack();
    }

    /**
     * Unlinks abandoned nodes (after {@code CompletableFuture.cleanStack}). Abandoned nodes on top are popped
     * with a CAS on the head, which only pushes and the completer also change; below the first live node, an
     * abandoned node is skipped by writing its successor into its predecessor's {@code next}.
     *
     * <p>Why no live node is ever lost: a cleaner writes into {@code p.next} only a value it read from
     * {@code q.next} of an abandoned {@code q}, and nobody clears the {@code next} of an unlinked node. So a
     * stale write can at worst re-link abandoned nodes (a later cleaning removes them), never cut a live one
     * off. Nodes are never reused, so the head CAS has no ABA problem. Once completed there is nothing to clean.
     */
    private void cleanStack() {
        Node p;
        for (;;) {
            Object h = WAITERS.getVolatile(this); // pairs with pushes' CAS and the completer's getAndSet
            if (h == null || h == COMPLETED) {
                return;
            }
            p = (Node) h;
            if (p.waker != null) {
                break;
            }
            WAITERS.compareAndSet(this, h, p.next); // volatile; fails if a push or the completer came first: re-read
        }
        for (Node q = p.next; q != null; q = p.next) {
            if (q.waker == null) {
                p.next = q.next; // volatile; skips q (see the method comment for why this loses nothing)
            } else {
                p = q;
            }
        }
    }

    /** Nodes on the waiter stack, abandoned or not (tests: a timed join must not leave its node behind). */
    final int waiterNodes() {
        Object h = WAITERS.getVolatile(this); // a test's look; pairs with the pushes' CAS
        int n = 0;
        for (Node x = h instanceof Node node ? node : null; x != null; x = x.next) {
            n++;
        }
        return n;
    }

    /**
     * {@code JoinHandle.poll}: the outcome as a future; registers {@code cx.waker()} while not done. Allocates
     * nothing.
     */
    public final Poll<T> poll(Context cx) {
        if (isDone()) {
            cx.markProgress(); // the joined task finished
            return readyOutcome();
        }
        cx.waitingOn(this);
        Waker w = cx.waker();
        Waker cur = (Waker) JOIN_WAKER.getOpaque(this); // only this joiner writes it: its own last value
        if (cur == null || !cur.willWake(w)) {
            JOIN_WAKER.setVolatile(this, w); // then the re-check below (Dekker with publish())
        }
        if (isDone()) {
            cx.markProgress();
            return readyOutcome();
        }
        return Poll.pending();
    }

    /**
     * {@code JoinHandle.cancel}: forgets the async joiner's waker. The handle was abandoned; the task itself goes
     * on (see {@link dev.spindle.JoinHandle}).
     */
    public final void cancel() {
        JOIN_WAKER.setVolatile(this, null);
    }

    /**
     * Spins before a platform thread parks in {@link #awaitOutcome()}: a task that is about to finish
     * (the common case for a short blockOn) then costs the waker no unpark system call. Bounded and
     * small (a few microseconds); virtual threads do not spin, they park at once and free their carrier.
     */
    private static final int JOIN_SPINS = 2_000;

    /** Blocks the calling thread until done. Parks, so a virtual thread frees its carrier. */
    protected final T awaitOutcome() {
        if (!isDone() && !Thread.currentThread().isVirtual()) {
            for (int i = 0; i < JOIN_SPINS && !isDone(); i++) {
                Thread.onSpinWait();
            }
        }
        if (!isDone()) {
            Thread me = Thread.currentThread();
            Node node = new Node(() -> LockSupport.unpark(me));
            if (push(node)) {
                boolean interrupted = false;
                while (!isDone()) {
                    LockSupport.park(this);
                    if (Thread.interrupted()) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    me.interrupt(); // join() is not interruptible; keep the status for the caller
                }
            }
        }
        return outcome();
    }

    /** Blocks up to {@code timeout}; throws {@link TimeoutException} if not done by then. */
    protected final T awaitOutcome(Duration timeout) throws InterruptedException, TimeoutException {
        if (!isDone()) {
            long deadline = System.nanoTime() + timeout.toNanos();
            Thread me = Thread.currentThread();
            Node node = new Node(() -> LockSupport.unpark(me));
            if (push(node)) {
                while (!isDone()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        abandon(node);
                        throw new TimeoutException(describe() + " did not complete within " + timeout);
                    }
                    LockSupport.parkNanos(this, left);
                    if (Thread.interrupted()) {
                        abandon(node);
                        throw new InterruptedException("interrupted while joining " + describe());
                    }
                }
            }
        }
        return outcome();
    }

    /** {@code JoinHandle.join()}: fails fast on a worker, else blocks until done. */
    public final T join() {
        if (!isDone()) {
            NonBlockingThread.checkMayBlock("JoinHandle.join()");
        }
        return awaitOutcome();
    }

    /** {@code JoinHandle.join(Duration)}: fails fast on a worker, else blocks up to {@code timeout}. */
    public final T join(Duration timeout) throws InterruptedException, TimeoutException {
        if (!isDone()) {
            NonBlockingThread.checkMayBlock("JoinHandle.join(Duration)");
        }
        return awaitOutcome(timeout);
    }

    /**
     * {@code JoinHandle.toCompletableFuture()}: completed with the outcome (failures with the original
     * cause); cancelling it runs {@code abort}, carrying the cancellation across.
     */
    protected final CompletableFuture<T> completableFuture(Runnable abort) {
        CompletableFuture<T> cf = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                boolean cancelled = super.cancel(mayInterruptIfRunning);
                if (cancelled) {
                    abort.run();
                }
                return cancelled;
            }
        };
        forward(cf);
        return cf;
    }

    /** Completes {@code cf} when this completes (registers a waiter node that does it). */
    private void forward(CompletableFuture<T> cf) {
        Node node = new Node(null);
        node.waker = () -> completeInto(cf);
        if (!push(node)) {
            completeInto(cf);
        }
    }

    private void completeInto(CompletableFuture<T> cf) {
        Object o = outcome;
        if (o instanceof Failed f) {
            cf.completeExceptionally(f.cause());
        } else if (o instanceof Cancelled c) {
            cf.completeExceptionally(cancelledError(c));
        } else {
            @SuppressWarnings("unchecked") T v = (T) ((Poll.Ready<?>) o).value();
            cf.complete(v);
        }
    }

    @SuppressWarnings("unchecked")
    private Poll<T> readyOutcome() {
        Object o = outcome;
        if (o instanceof Poll.Ready<?> r) {
            return (Poll<T>) r;
        }
        return Poll.ready(outcome()); // throws for failures and cancellations
    }

    /** The outcome as a value, or the matching exception. Call only when done. */
    private T outcome() {
        Object o = outcome;
        if (o instanceof Poll.Ready<?> r) {
            @SuppressWarnings("unchecked") T v = (T) r.value();
            return v;
        }
        if (o instanceof Failed f) {
            throw new TaskFailedException(describe() + " failed: " + f.cause(), f.cause());
        }
        if (o instanceof Cancelled c) {
            throw cancelledError(c);
        }
        throw new IllegalStateException("no outcome: this is a bug in Spindle");
    }

    private TaskCancelledException cancelledError(Cancelled c) {
        TaskCancelledException e = new TaskCancelledException(describe() + " was cancelled: " + c.reason());
        if (c.cause() != null) {
            e.initCause(c.cause());
        }
        return e;
    }
}
