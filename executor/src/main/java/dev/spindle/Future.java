package dev.spindle;

import java.util.Objects;
import java.util.function.Function;

/**
 * A value that will be available later, computed by a lazy state machine.
 *
 * <h2>The poll contract</h2>
 * <ol>
 *   <li>Constructing a future does nothing. Only {@link #poll(Context)} advances it.</li>
 *   <li>{@code poll} returns {@link Poll.Ready} with the result, or {@link Poll#pending()}. Returning
 *       {@code Pending} is a promise: the future has handed {@code cx.waker()} to whatever blocks it, and
 *       that thing will call {@link Waker#wake()} when progress is possible. Pending with no waker
 *       registered is a lost wake-up: the task hangs forever.</li>
 *   <li>A wake must stand for progress. Waking the task with nothing new to do makes it spin.</li>
 *   <li>A future that returned {@code Ready} is finished and must not be polled again; futures in this
 *       library throw {@link IllegalStateException} if they are.</li>
 *   <li>{@code poll} may throw an unchecked exception: the future has failed, and must not be polled
 *       again. A task turns that into a failed {@link JoinHandle}.</li>
 *   <li>A future is polled by one thread at a time, never concurrently; successive polls may come from
 *       different threads, with a happens-before edge between them.</li>
 * </ol>
 *
 * <h2>Cancellation: the release hook</h2>
 * Java has no destructor that runs when a future is dropped, so a future that owns resources (a timer
 * entry, a place in a waiter queue, a socket registration, a child task) releases them in
 * {@link #cancel()}. The owner of a future (a task, a combinator, {@code select}) calls {@code cancel()}
 * <b>exactly once</b> when it abandons the future before it returned {@code Ready} or threw: when its task
 * is aborted, when it loses a {@code select}/{@code race}, when a {@code timeout} fires, when the runtime
 * closes. {@code cancel()} is never called concurrently with {@code poll}, never after {@code Ready}, and
 * the future is never polled after it. Combinators forward it to every child that has not finished.
 * A future that holds nothing keeps the default, which does nothing. {@code cancel()} must not block and
 * should not throw; an exception from it is reported, not propagated.
 *
 * @param <T> the type of the result
 */
@FunctionalInterface
public interface Future<T> {

    /**
     * Advances the future as far as it can go without blocking. See the class comment for the contract.
     *
     * @param cx the context of the polling task; valid only during this call
     * @return {@code Ready(value)} when finished, else {@code Pending} with {@code cx.waker()} registered
     */
    Poll<T> poll(Context cx);

    /**
     * Releases what this future holds because its owner abandons it before completion. Called at most
     * once, never concurrently with {@link #poll}, never after {@code Ready}; see the class comment.
     */
    default void cancel() {
    }

    /** A future that completes with {@code fn} applied to this future's value. */
    default <U> Future<U> map(Function<? super T, ? extends U> fn) {
        Objects.requireNonNull(fn, "fn");
        return new dev.spindle.internal.combinator.MapFuture<>(this, fn);
    }

    /** A future that, once this one completes, runs the future {@code fn} returns for its value. */
    default <U> Future<U> flatMap(Function<? super T, ? extends Future<U>> fn) {
        Objects.requireNonNull(fn, "fn");
        return new dev.spindle.internal.combinator.FlatMapFuture<>(this, fn);
    }
}
