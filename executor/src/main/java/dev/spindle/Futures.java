package dev.spindle;

import dev.spindle.internal.combinator.CompletionStageFuture;
import dev.spindle.internal.combinator.JoinAllFuture;
import dev.spindle.internal.combinator.JoinFuture;
import dev.spindle.internal.combinator.LazyFuture;
import dev.spindle.internal.combinator.PendingFuture;
import dev.spindle.internal.combinator.PollFnFuture;
import dev.spindle.internal.combinator.RaceFuture;
import dev.spindle.internal.combinator.ReadyFuture;
import dev.spindle.internal.combinator.SelectFuture;
import dev.spindle.internal.combinator.YieldNowFuture;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Building and combining futures.
 *
 * <p>Every future returned here follows the contract of {@link Future}: it is lazy (nothing happens until it
 * is polled), it throws {@link IllegalStateException} if polled after it completed, and its {@code cancel()}
 * forwards to every child that has not finished, exactly once, and is a no-op once it has completed. A
 * combinator that abandons a child (the loser of {@link #select}/{@link #race}, the siblings of a child that
 * threw) cancels it exactly once and never cancels a child that completed or threw.
 *
 * <p>Not here, on purpose: driving a future to a {@code CompletableFuture} needs a runtime (see
 * {@code JoinHandle.toCompletableFuture()}); {@code timeout} needs the timer wheel.
 */
public final class Futures {

    private Futures() {
    }

    /**
     * The result of {@link #join(Future, Future)}: both values.
     *
     * @param first  the value of the first future
     * @param second the value of the second future
     */
    public record Both<A, B>(A first, B second) {
    }

    // ---------------------------------------------------------------- leaves

    /** A future that completes with {@code value} (which may be {@code null}) on its first poll. */
    public static <T> Future<T> ready(T value) {
        return new ReadyFuture<>(value);
    }

    /**
     * A future that never completes: every poll returns {@code Pending}. It registers no waker, since nothing
     * will ever wake it. Useful as a branch of {@link #select} that must never win. Shared and stateless.
     */
    public static <T> Future<T> pending() {
        return PendingFuture.instance();
    }

    /**
     * A future that calls {@code supplier} on its first poll, on the polling thread, and completes with
     * the result; if it throws, the future fails with that exception. Nothing runs before the first poll.
     */
    public static <T> Future<T> lazy(Supplier<? extends T> supplier) {
        Objects.requireNonNull(supplier, "supplier");
        return new LazyFuture<>(supplier);
    }

    /**
     * A future whose {@code poll} is {@code fn}. {@code fn} must honour the poll contract: return
     * {@code Pending} only after handing {@code cx.waker()} to whatever will wake it. After it returns
     * {@code Ready} it is not called again.
     */
    public static <T> Future<T> pollFn(Function<? super Context, ? extends Poll<T>> fn) {
        Objects.requireNonNull(fn, "fn");
        return new PollFnFuture<>(fn);
    }

    /**
     * A future that yields once: its first poll wakes the task and returns {@code Pending}, its second
     * returns {@code Ready(null)}. Lets other tasks on the worker run; a long computation can call it
     * between steps.
     */
    public static Future<Void> yieldNow() {
        return new YieldNowFuture();
    }

    // ---------------------------------------------------------------- join

    /**
     * A future that runs {@code first} and {@code second} concurrently (in the same task) and completes with
     * both values once both have completed. Each poll polls the children that have not finished, first
     * then second. If one throws, the other is cancelled and the exception propagates.
     */
    public static <A, B> Future<Both<A, B>> join(Future<A> first, Future<B> second) {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(second, "second");
        return new JoinFuture<>(first, second);
    }

    /**
     * A future that runs all {@code futures} concurrently (in the same task) and completes with their
     * values, in the order of the input list (which may contain {@code null} values; the list is
     * unmodifiable). An empty input completes on the first poll with an empty list.
     *
     * <p>Each child is polled with its own waker, and a poll polls only the children woken since the last
     * one, so joining many futures costs O(woken) per poll, not O(N). If a child throws, every other
     * unfinished child is cancelled and the exception propagates.
     *
     * @throws NullPointerException if the list or any element is {@code null} (the message names the index)
     */
    public static <T> Future<List<T>> joinAll(List<? extends Future<? extends T>> futures) {
        return new JoinAllFuture<>(toArray(futures, "joinAll"));
    }

    // ---------------------------------------------------------------- select and race

    /**
     * A future that completes with whichever of {@code first} and {@code second} completes first, and
     * cancels the other exactly once. If one throws, the other is cancelled and the exception propagates.
     *
     * <p><b>Biased:</b> each poll polls {@code first}, then {@code second}. When both are ready in the same
     * poll, {@code first} wins, and a {@code first} that is ready on every poll starves {@code second}.
     * (Tokio's {@code select!} starts at a random branch unless told {@code biased;}.)
     */
    public static <A, B> Future<Selected<A, B>> select(Future<A> first, Future<B> second) {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(second, "second");
        return new SelectFuture<>(first, second);
    }

    /**
     * A future that completes with the value of whichever of {@code futures} completes first, and cancels
     * every other one exactly once. If one throws before any completes, all others are cancelled and the
     * exception propagates.
     *
     * <p>Each child is polled with its own waker; a poll polls only the children woken since the last one,
     * in list order (so among children that become ready in the same poll, the earliest in the list wins).
     *
     * @throws IllegalArgumentException if {@code futures} is empty (such a race could never finish)
     * @throws NullPointerException     if the list or any element is {@code null}
     */
    public static <T> Future<T> race(List<? extends Future<? extends T>> futures) {
        Future<? extends T>[] children = toArray(futures, "race");
        if (children.length == 0) {
            throw new IllegalArgumentException("Futures.race(): needs at least one future; a race of none never finishes");
        }
        return new RaceFuture<>(children);
    }

    // ---------------------------------------------------------------- bridges

    /**
     * A future that completes when {@code stage} does.
     *
     * <ul>
     *   <li>With the stage's value.</li>
     *   <li>With its failure, thrown from {@code poll}: {@link CompletionException} wrappers are removed;
     *       a {@link RuntimeException} or {@link Error} is thrown as is, a checked exception wrapped in a
     *       {@link CompletionException}; a cancelled stage throws
     *       {@link java.util.concurrent.CancellationException}.</li>
     *   <li>{@code cancel()} calls {@code stage.toCompletableFuture().cancel(false)}: abandoning the Spindle
     *       future cancels the stage (if it is a {@code CompletableFuture}; other stages may hand out a
     *       copy, whose cancellation does not reach them).</li>
     * </ul>
     * The first poll registers one callback on the stage; the callback wakes whichever task polled last.
     */
    public static <T> Future<T> fromCompletionStage(CompletionStage<T> stage) {
        Objects.requireNonNull(stage, "stage");
        return new CompletionStageFuture<>(stage);
    }

    // ---------------------------------------------------------------- helpers

    @SuppressWarnings("unchecked")
    private static <T> Future<? extends T>[] toArray(List<? extends Future<? extends T>> futures, String op) {
        Objects.requireNonNull(futures, () -> "Futures." + op + "(): futures");
        Future<? extends T>[] array = (Future<? extends T>[]) futures.toArray(new Future<?>[0]); // one snapshot
        for (int i = 0; i < array.length; i++) {
            if (array[i] == null) {
                throw new NullPointerException("Futures." + op + "(): futures[" + i + "] is null");
            }
        }
        return array;
    }
}
