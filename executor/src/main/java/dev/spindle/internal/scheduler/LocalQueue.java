package dev.spindle.internal.scheduler;

import dev.spindle.internal.task.Task;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A worker's bounded run queue: the owner pushes at the tail and pops at the head (FIFO); idle workers
 * steal half from the head.
 *
 * <h2>Indices</h2>
 * {@code head} and {@code tail} are {@code long}s that only grow (they never wrap in practice), so a CAS
 * on {@code head} cannot suffer ABA. Slot of index {@code i} is {@code buffer[i & mask]}. Entries in
 * {@code [head, tail)} are queued.
 * <ul>
 *   <li>{@code tail} is written only by the owner, with a release store that publishes the slot it wrote
 *       before; stealers read it with acquire.</li>
 *   <li>{@code head} is advanced by CAS by the owner (pop, overflow) and by stealers (steal). A consumer
 *       reads the entries first and claims them with the CAS afterwards: if the CAS succeeds, head was
 *       unchanged throughout (it is monotonic), so those slots were still queued and the owner could not
 *       have overwritten them (it writes slot {@code tail} only while {@code tail - head < capacity},
 *       using a head value that can only be older, i.e. smaller, than the real one). A failed CAS discards
 *       what was read, so a racy read of a slot is harmless.</li>
 * </ul>
 * Slots are not cleared after a pop (a consumer cannot tell whether another consumer is reading them);
 * a completed task drops its future, so a stale slot holds only a small finished task until overwritten.
 */
public final class LocalQueue extends LocalQueueTail {

    public LocalQueue(int capacity) {
        super(capacity);
    }

    /** Number of queued tasks (approximate when read by another thread). */
    public int len() {
        long t = (long) TAIL.getAcquire(this); // pairs with the owner's setRelease in push
        long h = (long) HEAD.getAcquire(this); // pairs with CASes on head
        return (int) Math.max(0, t - h);
    }

    public boolean isEmpty() {
        return len() == 0;
    }

    public int capacity() {
        return buffer.length;
    }

    /**
     * Owner only: pushes {@code task} at the tail; when the queue is full, moves half of it plus
     * {@code task} to {@code overflow} (the inject queue), as Tokio does, so a burst of spawns spreads
     * across workers instead of failing. Returns the number of tasks sent to {@code overflow}.
     */
    public int push(Task<?> task, Overflow overflow) {
        for (;;) {
            long t = tail; // plain: only the owner writes tail
            long h = (long) HEAD.getAcquire(this); // pairs with consumers' CAS; may be stale (smaller): safe
            if (t - h < buffer.length) {
                buffer[(int) t & mask] = task;          // plain write, published by the release below
                TAIL.setRelease(this, t + 1);           // pairs with getAcquire in pop/steal/len
                return 0;
            }
            int half = buffer.length / 2;
            // Claim the oldest half; if a stealer moved head meanwhile there is room now: retry the push.
            if (HEAD.compareAndSet(this, h, h + half)) { // volatile; pairs with consumers' CAS on head
                // The claimed slots cannot change meanwhile: only this (owner) thread writes slots.
                overflow.spill(buffer, h, half, mask, task);
                return half + 1;
            }
        }
    }

    /** Owner only: takes the task at the head, or null. */
    public Task<?> pop() {
        for (;;) {
            long h = (long) HEAD.getVolatile(this); // pairs with stealers' CAS
            long t = tail;                           // plain: owner only
            if (h == t) {
                return null;
            }
            Task<?> task = buffer[(int) h & mask];
            if (HEAD.compareAndSet(this, h, h + 1)) { // volatile; claims the slot (see class doc)
                return task;
            }
        }
    }

    /**
     * Called by the worker owning {@code dst} (which must be empty): steals half of this queue (rounded
     * up, at most half of {@code dst}'s capacity), moves all but one into {@code dst}, and returns the
     * remaining one to run now; null if there was nothing to steal.
     */
    public Task<?> stealInto(LocalQueue dst) {
        for (;;) {
            long h = (long) HEAD.getAcquire(this); // pairs with the CAS of other consumers
            long t = (long) TAIL.getAcquire(this); // pairs with the owner's setRelease: the slots below t are visible
            long available = t - h;
            if (available <= 0) {
                return null;
            }
            int n = (int) Math.min(available - available / 2, dst.buffer.length / 2);
            long dt = dst.tail; // plain: we own dst
            for (int i = 0; i < n; i++) {
                dst.buffer[(int) (dt + i) & dst.mask] = buffer[(int) (h + i) & mask];
            }
            if (HEAD.compareAndSet(this, h, h + n)) { // volatile; validates the copy (see class doc)
                Task<?> last = dst.buffer[(int) (dt + n - 1) & dst.mask];
                if (n > 1) {
                    TAIL.setRelease(dst, dt + n - 1); // publishes the copied slots to dst's stealers
                }
                return last;
            }
        }
    }
}

/** Head index, padded from the tail (see package-info). */
abstract class LocalQueueHead {
    static final VarHandle HEAD;
    static final VarHandle TAIL;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(LocalQueueHead.class, "head", long.class);
            TAIL = l.findVarHandle(LocalQueueTail.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Task<?>[] buffer;
    final int mask;

    /** Accessed through HEAD only. */
    @SuppressWarnings("unused")
    long head;

    LocalQueueHead(int capacity) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("local queue capacity must be a power of two >= 2, was " + capacity);
        }
        buffer = new Task<?>[capacity];
        mask = capacity - 1;
    }
}

/** Padding between head and tail: 8 longs = 64 bytes, one cache line. */
abstract class LocalQueuePad extends LocalQueueHead {
    long p01, p02, p03, p04, p05, p06, p07, p08;

    LocalQueuePad(int capacity) {
        super(capacity);
    }
}

/** Tail index: written by the owner only. */
abstract class LocalQueueTail extends LocalQueuePad {
    /** Written by the owner (plain reads by the owner, setRelease for publication). */
    long tail;

    LocalQueueTail(int capacity) {
        super(capacity);
    }
}
