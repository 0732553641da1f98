package dev.spindle.internal.combinator;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.Waker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * {@code Futures.fromCompletionStage(stage)}: a Spindle future that completes when a {@link CompletionStage}
 * does.
 *
 * <h2>States</h2>
 * <ul>
 *   <li><b>UNPOLLED</b> — nothing registered with the stage (constructing does nothing, not even
 *       {@code toCompletableFuture()}).</li>
 *   <li>first poll: if the stage is already complete → DONE with its outcome; else store the waker,
 *       register one {@code whenComplete} callback → <b>WAITING</b>. The callback is never registered
 *       again: later polls only replace the stored waker.</li>
 *   <li><b>WAITING</b> — each poll stores the waker (if it changed), then checks completion: complete →
 *       DONE with its outcome, else {@code Pending}.</li>
 *   <li>{@code cancel()} in UNPOLLED or WAITING → {@code toCompletableFuture().cancel(false)} (cancellation
 *       crosses over; a no-op if the stage completed meanwhile) → DONE.</li>
 *   <li><b>DONE</b> — polling throws {@link IllegalStateException}; {@code cancel()} is a no-op.</li>
 * </ul>
 *
 * <h2>Outcome</h2>
 * The stage's value, or its failure thrown from {@code poll}: {@link CompletionException} wrappers are
 * unwrapped; a {@link RuntimeException} or {@link Error} cause is thrown as is; a checked cause is thrown
 * wrapped in a {@link CompletionException}; a cancelled stage throws {@link CancellationException}.
 *
 * <h2>Why no wake-up is lost</h2>
 * The poll thread does {@code waker = w} (volatile write) then {@code cf.isDone()} (volatile read of the
 * result). The completing thread publishes the result (a CAS inside {@link CompletableFuture}) and only then
 * runs the callback, which reads {@code waker} (volatile read). These accesses are sequentially consistent,
 * so either the poll sees the result, or the callback sees the new waker and wakes the current task: the
 * classic store-then-check handshake (a release store alone would not do; it needs the StoreLoad order that
 * volatile gives). On the first poll the registration itself is the check: {@code whenComplete} on a stage
 * that is already complete runs the callback at once, after the waker was stored; the poll then re-checks
 * and returns {@code Ready} (that one inline wake is a harmless extra, and only happens when completion
 * races with the first poll).
 *
 * <p>When DONE, the stored waker is cleared so that the stage's callback chain, which may outlive us, does not
 * keep the task reachable.
 *
 * <p>A {@code CompletionStage} that is not a {@code CompletableFuture} (e.g. a {@code minimalCompletionStage})
 * may return a <em>copy</em> from {@code toCompletableFuture()}; cancelling that copy does not cancel the
 * original. That is the most a {@code CompletionStage} allows. A stage whose {@code toCompletableFuture()}
 * throws {@link UnsupportedOperationException} (the interface permits it) fails the first poll with that
 * exception, and {@code cancel()} before the first poll leaves it alone.
 */
public final class CompletionStageFuture<T> implements Future<T> {
    private static final String NAME = "Futures.fromCompletionStage()";
    private static final VarHandle WAKER;

    static {
        try {
            WAKER = MethodHandles.lookup().findVarHandle(CompletionStageFuture.class, "waker", Waker.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final CompletionStage<T> stage;
    /** {@code stage.toCompletableFuture()}, taken on the first poll; {@code null} while UNPOLLED. */
    private CompletableFuture<T> cf;
    private boolean done;
    /** The task to wake; written by poll, read by the stage's callback on any thread. */
    private Waker waker;

    public CompletionStageFuture(CompletionStage<T> stage) {
        this.stage = stage;
    }

    @Override
    public Poll<T> poll(Context cx) {
        if (done) {
            throw new IllegalStateException(NAME + " future polled after it completed");
        }
        CompletableFuture<T> f = cf;
        if (f == null) {
            f = stage.toCompletableFuture();
            cf = f;
            if (f.isDone()) {
                return complete(f); // no callback needed
            }
            WAKER.setVolatile(this, cx.waker()); // before registering: pairs with the read in onComplete
            f.whenComplete((v, e) -> onComplete());
        } else {
            Waker w = cx.waker();
            Waker stored = (Waker) WAKER.getVolatile(this); // our own last write
            if (stored == null || !stored.willWake(w)) {
                WAKER.setVolatile(this, w); // pairs with the read in onComplete
            }
        }
        if (f.isDone()) { // after the waker store: see the class comment
            return complete(f);
        }
        return Poll.pending();
    }

    /** The stage's callback: runs once, on whatever thread completed the stage, after the result is set. */
    private void onComplete() {
        Waker w = (Waker) WAKER.getVolatile(this); // pairs with the stores in poll
        if (w != null) {
            w.wake();
        }
    }

    private Poll<T> complete(CompletableFuture<T> f) {
        done = true;
        WAKER.setVolatile(this, (Waker) null);
        switch (f.state()) {
            case SUCCESS -> {
                return Poll.ready(f.resultNow());
            }
            case CANCELLED -> throw new CancellationException(NAME + ": the CompletionStage was cancelled");
            case FAILED -> throw unwrap(f.exceptionNow());
            default -> throw new IllegalStateException(NAME + ": stage is done but its state is " + f.state());
        }
    }

    /** A failure to throw unchecked: see "Outcome" in the class comment. */
    static RuntimeException unwrap(Throwable failure) {
        Throwable x = failure;
        while (x instanceof CompletionException && x.getCause() != null) {
            x = x.getCause();
        }
        if (x instanceof RuntimeException re) {
            return re;
        }
        if (x instanceof Error err) {
            throw err;
        }
        return new CompletionException(x);
    }

    @Override
    public void cancel() {
        if (done) {
            return;
        }
        done = true;
        WAKER.setVolatile(this, (Waker) null);
        CompletableFuture<T> f = cf;
        if (f == null) {
            try {
                f = stage.toCompletableFuture();
            } catch (UnsupportedOperationException e) {
                return; // a stage that has no CompletableFuture view cannot be cancelled from here
            }
        }
        f.cancel(false);
    }
}
