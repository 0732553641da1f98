/**
 * Small building blocks the runtime shares ({@link dev.spindle.internal.util.IntrusiveList}), and the one way
 * concurrent code in this module is written, described here once.
 *
 * <h2>The concurrency idiom</h2>
 * An atomic field is a plain field reached only through a {@code static final VarHandle} named after it in
 * capitals ({@code state} through {@code STATE}), and every access calls the VarHandle method whose name is its
 * memory mode, at the place of the access: {@code STATE.getAcquire(this)}, not a helper such as
 * {@code laState()}. Chosen over the JCTools-style abbreviations ({@code lv}, {@code la}, {@code sr}, {@code cax}
 * helpers) because the JDK's names need no glossary of their own, a reader sees the mode without jumping to a
 * helper, and the helpers existed to hide {@code Unsafe} offsets, which VarHandles do not have. A compound
 * operation that is more than one access (a CAS loop that ORs bits in, for one) stays a named method that says
 * what it does. A VarHandle another class must use is package-private (as {@code LocalQueueHead.HEAD}); there is
 * no accessor in between.
 * <p>The one other form: a field that is only ever read and written whole, sequentially consistent, with no CAS
 * and no weaker mode, may be declared {@code volatile} and used as a field (a flag such as
 * {@code Worker.stalled}): there the keyword at the declaration names the mode, and each access still carries
 * its pairing comment. Nothing wraps an access in a helper named after its mode.
 *
 * <h2>Glossary of the modes</h2>
 * <ul>
 *   <li><b>plain</b> ({@code get}/{@code set}, or the field itself): no atomicity for {@code long}/{@code double}
 *       on every platform, no ordering. Only for a field one thread owns, or one guarded by a lock; the comment at
 *       the field says which.</li>
 *   <li><b>opaque</b> ({@code getOpaque}/{@code setOpaque}): atomic and never merged, dropped or hoisted by the
 *       compiler, but ordered with nothing else. For racy statistics and hints that a reader only compares, never
 *       acts on alone (a worker's counters, its in-task flag).</li>
 *   <li><b>acquire / release</b> ({@code getAcquire}/{@code setRelease}): a release store publishes every write
 *       before it to the thread whose acquire load reads the stored value. The usual pairing for a hand-off in one
 *       direction (a published task, a status handed to a waiter).</li>
 *   <li><b>volatile</b> ({@code getVolatile}/{@code setVolatile}, and every read-modify-write:
 *       {@code compareAndSet}, {@code compareAndExchange}, {@code getAndAdd}, {@code getAndSet}): sequentially
 *       consistent. Needed where two threads each write one variable and then read the other's (the Dekker
 *       pattern: a waiter registers then re-checks, a notifier publishes then checks for waiters), which
 *       acquire/release does not order.</li>
 *   <li>{@code VarHandle.fullFence()}: orders a plain or release write before a later read where the two are on
 *       different variables and no volatile access does it (used once, in {@code Idle.workerToNotify}).</li>
 * </ul>
 * Every non-plain access carries a comment naming the access on the other thread it pairs with ("pairs with the
 * CAS in close"); an access that pairs with nothing says so and why (opaque statistics).
 *
 * <h2>Padding</h2>
 * A field written on a hot path by one thread and read by others gets cache lines of its own by class-hierarchy
 * padding ({@code byte} fields in superclasses and subclasses, as JCTools does); the classes that do it, and why,
 * are listed in {@code dev.spindle.internal.scheduler}'s package-info.
 */
package dev.spindle.internal.util;
