/**
 * Tasks: the state word, completion and join.
 *
 * <h2>Memory-ordering conventions</h2>
 * Atomic fields are accessed through {@code VarHandle}s. Each non-plain access names its mode in the code
 * ({@code getAcquire}, {@code setRelease}, {@code compareAndSet} = volatile/sequentially consistent,
 * {@code getAndSet}) and a comment says which access on another thread it pairs with. Plain fields are
 * either owned by one thread or published by a release/volatile write that the reader acquires; the
 * comment at the field says which.
 */
package dev.spindle.internal.task;
