package dev.spindle.internal.combinator;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.Waker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Which children of a many-child combinator ({@link JoinAllFuture}, {@link RaceFuture}) were woken since the
 * combinator last looked, so that a poll polls only those, as futures-rs' {@code JoinAll}/{@code
 * FuturesUnordered} do. A combinator over N children thus does O(woken) work per poll, not O(N).
 *
 * <h2>Protocol</h2>
 * Each child {@code i} is polled with its own {@link ChildWaker} (allocated once, so children that cache
 * their waker with {@link Waker#willWake} keep it). Waking it sets bit {@code i} of {@link #words} and, if the
 * bit was clear, wakes the parent task's waker. A poll of the combinator:
 * <ol>
 *   <li>{@link #register}: stores the task's waker in {@link #parent} (volatile write, only if it changed);</li>
 *   <li>{@link #nextWoken}, until it returns -1: takes each non-zero word with {@code getAndSet(0)} (volatile)
 *       when the scan reaches it, and hands out the children whose bits were set, in index order, each exactly
 *       once per poll; a wake that arrives during the poll (even from the child being polled, e.g.
 *       {@code yieldNow}) sets its bit again and wakes the task, so it is seen by the <em>next</em> poll, never
 *       by a loop inside this one.</li>
 * </ol>
 * All bits start set: the first poll polls every child.
 *
 * <h2>Why no wake-up is lost</h2>
 * The child side does {@code set bit (getAndBitwiseOr)} then {@code read parent (volatile)}; the parent side
 * does {@code write parent (volatile)} then {@code read/clear bit (getVolatile, getAndSet)}. All four are
 * sequentially consistent, so for every wake either the parent's drain sees the bit (and polls the child),
 * or the bit was set after the drain, in which case the child's read of {@link #parent} comes after the
 * parent's write and wakes the current task. Only the waker that flips a bit from 0 to 1 wakes the parent:
 * a bit already set means a wake is already on its way and the drain that clears it is still to come.
 * A wake for a child that has finished sets a bit the combinator ignores (one spurious task poll at most).
 *
 * <h2>Ownership</h2>
 * {@link #words} and {@link #parent} are shared with any thread that wakes a child; everything else (the scan's
 * position included) belongs to the combinator's poll/cancel, which never run concurrently.
 */
final class WakeSet {
    /** Element access to {@link #words}; every access is volatile or a volatile read-modify-write. */
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);
    /** Access to {@link #parent}. */
    private static final VarHandle PARENT;

    static {
        try {
            PARENT = MethodHandles.lookup().findVarHandle(WakeSet.class, "parent", Waker.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Bit {@code i} set: child {@code i} was woken (or never polled) and is due to be polled. */
    private final long[] words;
    /** One waker per child, index = child index. */
    private final ChildWaker[] wakers;
    /** The task's waker as of the combinator's latest poll; read by any thread in {@link ChildWaker#wake}. */
    private Waker parent;
    /** The context children are polled with. */
    private final ChildContext cx = new ChildContext();
    /** The scan of the current poll ({@link #nextWoken}): the next word to drain. */
    private int scanWord;
    /** The scan's bits drained from word {@code scanWord - 1} and not yet handed out. */
    private long scanBits;

    WakeSet(int children) {
        words = new long[(children + 63) >>> 6];
        wakers = new ChildWaker[children];
        for (int i = 0; i < children; i++) {
            wakers[i] = new ChildWaker(this, i);
        }
        for (int w = 0; w < words.length; w++) {
            int bitsInWord = Math.min(64, children - (w << 6));
            words[w] = bitsInWord == 64 ? -1L : (1L << bitsInWord) - 1;
        }
        // Published to other threads by whatever hands the combinator to its task (a happens-before edge);
        // no child waker escapes before the first poll.
    }

    /** Step 1 of a poll: remembers the task's waker and starts the scan of {@link #nextWoken} from child 0. */
    void register(Waker taskWaker) {
        Waker cur = (Waker) PARENT.getVolatile(this); // own last write; plain would do, volatile keeps it simple
        if (cur == null || !cur.willWake(taskWaker)) {
            PARENT.setVolatile(this, taskWaker); // pairs with the volatile read in ChildWaker.wake
        }
        scanWord = 0;
        scanBits = 0L;
    }

    /**
     * Step 2, called until it returns -1: the next child, in index order, woken before the scan drained its word;
     * -1 once every word of this poll is scanned.
     */
    int nextWoken() {
        while (scanBits == 0L) {
            if (scanWord == words.length) {
                return -1;
            }
            scanBits = drain(scanWord++);
        }
        int i = ((scanWord - 1) << 6) + Long.numberOfTrailingZeros(scanBits);
        scanBits &= scanBits - 1;
        return i;
    }

    /** Clears word {@code w} and returns the bits that were set: the children {@code (w << 6) + bit} woken. */
    private long drain(int w) {
        if ((long) WORD.getVolatile(words, w) == 0L) { // cheap check: skip the atomic swap on idle words
            return 0L;
        }
        return (long) WORD.getAndSet(words, w, 0L); // pairs with getAndBitwiseOr in ChildWaker.wake
    }

    /** Polls child {@code i} with its own waker, spending {@code parent}'s budget. */
    <T> Poll<T> poll(int i, Future<T> child, Context parentCx) {
        return cx.poll(child, wakers[i], parentCx);
    }

    /** Drops the task's waker once the combinator is finished, so late child wakes reach no task. */
    void clear() {
        PARENT.setVolatile(this, (Waker) null);
    }

    /** Wakes child {@code index}: marks it and, if it was not already marked, wakes the task. */
    static final class ChildWaker implements Waker {
        private final WakeSet set;
        private final int index;

        ChildWaker(WakeSet set, int index) {
            this.set = set;
            this.index = index;
        }

        @Override
        public void wake() {
            int w = index >>> 6;
            long mask = 1L << index; // shift distance is taken mod 64
            if (((long) WORD.getVolatile(set.words, w) & mask) != 0L) {
                return; // already marked: whoever set it wakes the task, and the drain is still to come
            }
            long prev = (long) WORD.getAndBitwiseOr(set.words, w, mask); // pairs with getAndSet in drain
            if ((prev & mask) == 0L) {
                Waker p = (Waker) PARENT.getVolatile(set); // after the bit: pairs with the write in register
                if (p != null) {
                    p.wake();
                }
            }
        }

        @Override
        public String toString() {
            return "ChildWaker[" + index + "]";
        }
    }
}
