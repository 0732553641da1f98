/**
 * The work-stealing scheduler: workers, their run queues, the inject queue, idle coordination and parking.
 *
 * <h2>Memory-ordering conventions</h2>
 * Atomic fields are accessed through {@code VarHandle}s; every non-plain access names its mode
 * ({@code getAcquire}/{@code setRelease}, {@code getVolatile}/{@code compareAndSet} for sequentially
 * consistent) and a comment names the access on another thread it pairs with. Fields without a mode are
 * owned by one thread; the comment at the field says which.
 *
 * <h2>Padding</h2>
 * The head and tail of a {@link dev.spindle.internal.scheduler.LocalQueue} are written by different
 * threads (stealers CAS the head, the owner writes the tail). They sit in separate classes of a small
 * hierarchy with 64 bytes of {@code long} fields between them, so they do not share a cache line
 * (JCTools' layout trick: the JVM lays out superclass fields first). That is the only contended pair
 * on the hot path; other fields are read-mostly.
 */
package dev.spindle.internal.scheduler;
