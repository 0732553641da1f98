/**
 * The work-stealing scheduler: workers, their run queues, the inject queue, idle coordination and parking.
 *
 * <h2>Memory-ordering conventions</h2>
 * The module's one idiom (VarHandle methods named by their mode, at each access, with the access they pair with)
 * and its glossary are in {@link dev.spindle.internal.util}'s package-info.
 *
 * <h2>Padding</h2>
 * Fields written by one thread and read or written by others on hot paths sit in separate classes of a small
 * hierarchy with {@code long} fields between them, so they do not share a cache line (JCTools' layout trick:
 * the JVM lays out superclass fields first):
 * <ul>
 *   <li>the head and tail of a {@link dev.spindle.internal.scheduler.LocalQueue} (stealers CAS the head, the
 *       owner writes the tail), 64 bytes apart;</li>
 *   <li>a {@link dev.spindle.internal.scheduler.Worker}: the fields other threads read (queue, parker,
 *       {@code stalled}), the LIFO slot, and the owner's state and per-poll counters, 128 bytes apart. Its
 *       padding classes use {@code byte} fields, as JCTools does: since JDK 15 the JVM puts a subclass's small
 *       fields into holes in its superclasses' layout, and {@code long} padding left such holes next to
 *       {@code stalled} and the LIFO slot, where the owner's flags and countdowns then landed.</li>
 *   <li>a worker's statistics ({@link dev.spindle.internal.scheduler.WorkerStats}), written by the owner on every
 *       poll, steal and park and read by metrics and the watchdog: an object of their own with 128 bytes on each
 *       side, so those writes do not disturb the local queue allocated after them.</li>
 * </ul>
 * A 128-byte pad in front of the local queue's head as well (the queue is allocated right after the worker's
 * context, which the owner writes on every poll) measured neutral alone but, together with the worker's padding,
 * 10 % slower on the oneshot ping-pong (perf, issue 10), so it is not there.
 */
package dev.spindle.internal.scheduler;
