package dev.spindle.internal.time;

import dev.spindle.internal.util.IntrusiveList;

import java.util.function.Consumer;

/**
 * A hierarchical timing wheel with millisecond ticks (after Tokio's {@code runtime/time/wheel}). Not
 * thread-safe: the {@link TimeDriver} guards it with a lock.
 *
 * <h2>Layout</h2>
 * {@value #LEVELS} levels of {@value #SLOTS} slots. A slot of level {@code L} spans {@code 64^L} ticks, so
 * level 0 covers the next 64 ms at 1 ms resolution, level 1 the next ~4 s at 64 ms, … level 5 about 2.2
 * years. An entry goes to the level of the highest 6-bit group in which its deadline differs from
 * {@code elapsed}; when that slot comes due, entries not yet expired are re-inserted and fall to lower
 * levels (cascading). Each level keeps a 64-bit occupancy mask, so finding the next due slot is a rotate
 * and a count of trailing zeros per level. Insert and remove are O(1).
 *
 * <h2>Expiring</h2>
 * {@link #poll} hands out due entries one at a time, in deadline order: a due slot's expired entries move to a
 * pending list first, so the driver can take a bounded batch under its lock, let go of the lock to wake them,
 * and come back for more, without sorting and without allocating.
 */
public final class TimerWheel {
    static final int LEVELS = 6;
    static final int SLOTS = 64;
    private static final int SLOT_BITS = 6;
    /** Deadlines further out than this are clamped (the top level's range, ~2.2 years). */
    static final long MAX_DURATION = (1L << (SLOT_BITS * LEVELS)) - 1;
    /** {@link TimerEntry#level} of an entry in the pending list. */
    static final int PENDING = -2;

    /**
     * The entries of slot {@code s} of level {@code L} are {@code slots[L * SLOTS + s]}, a list made by the first
     * insert into that slot (a wheel uses a few of its 384 slots; an empty wheel costs one array).
     */
    private final IntrusiveList<TimerEntry>[] slots = newSlots();
    private final long[] occupied = new long[LEVELS];

    /**
     * Expired entries not yet returned by {@link #poll}. All due at one tick, {@code elapsed}: the wheel takes the
     * next due slot only once this list is empty.
     */
    private final IntrusiveList<TimerEntry> pending = new IntrusiveList<>();
    private long elapsed;
    private int size;

    @SuppressWarnings({"unchecked", "rawtypes"}) // no generic array creation in Java
    private static IntrusiveList<TimerEntry>[] newSlots() {
        return new IntrusiveList[LEVELS * SLOTS];
    }

    /** The list of a slot that holds or held an entry (its occupancy bit is or was set). */
    private IntrusiveList<TimerEntry> slot(int level, int slot) {
        return slots[level * SLOTS + slot];
    }

    /** The list of a slot, made on the first insert into it. */
    private IntrusiveList<TimerEntry> slotForInsert(int level, int slot) {
        int i = level * SLOTS + slot;
        IntrusiveList<TimerEntry> list = slots[i];
        if (list == null) {
            list = new IntrusiveList<>();
            slots[i] = list;
        }
        return list;
    }

    /** Current time of the wheel, in ticks. */
    public long elapsed() {
        return elapsed;
    }

    public int size() {
        return size;
    }

    /**
     * Inserts {@code e} with its deadline. Returns false (and does not insert) if the deadline is not after
     * {@link #elapsed()}: the caller treats it as already expired.
     */
    public boolean insert(TimerEntry e, long deadline) {
        if (e.inWheel) {
            throw new IllegalStateException("timer entry inserted twice");
        }
        if (deadline <= elapsed) {
            return false;
        }
        if (deadline - elapsed > MAX_DURATION) {
            deadline = elapsed + MAX_DURATION;
        }
        e.deadline = deadline;
        int level = levelFor(elapsed, deadline);
        int slot = (int) ((deadline >>> (level * SLOT_BITS)) & (SLOTS - 1));
        e.level = level;
        e.slot = slot;
        slotForInsert(level, slot).addFirst(e);
        occupied[level] |= 1L << slot;
        e.inWheel = true;
        size++;
        return true;
    }

    /** Removes {@code e} if it is in the wheel (in a slot, or expired and waiting in the pending list). */
    public void remove(TimerEntry e) {
        if (!e.inWheel) {
            return;
        }
        if (isPending(e)) {
            pending.remove(e);
        } else {
            IntrusiveList<TimerEntry> list = slot(e.level, e.slot);
            list.remove(e);
            if (list.isEmpty()) {
                occupied[e.level] &= ~(1L << e.slot);
            }
        }
        e.inWheel = false;
        size--;
    }

    /**
     * Whether {@code e} (in the wheel) waits in the pending list: moved there from a higher level's slot (marked
     * {@link #PENDING}), or one of a level-0 slot's entries, which go there as a whole list, unmarked (see
     * {@link #poll}). A level-0 entry whose deadline is not after {@code elapsed} can only be such a one: an insert
     * needs a deadline after {@code elapsed}, and the wheel moves past a level-0 tick only by taking its slot.
     */
    private boolean isPending(TimerEntry e) {
        return e.level == PENDING || (e.level == 0 && e.deadline <= elapsed);
    }

    /**
     * The earliest tick at which some slot is due ({@link #elapsed()} while expired entries wait in the pending
     * list), or {@code Long.MAX_VALUE} if the wheel is empty.
     */
    public long nextExpiration() {
        if (!pending.isEmpty()) {
            return elapsed;
        }
        for (int level = 0; level < LEVELS; level++) {
            long d = nextExpiration(level);
            if (d != Long.MAX_VALUE) {
                return d;
            }
        }
        return Long.MAX_VALUE;
    }

    private long nextExpiration(int level) {
        long occ = occupied[level];
        if (occ == 0) {
            return Long.MAX_VALUE;
        }
        long slotRange = 1L << (level * SLOT_BITS);
        long levelRange = slotRange << SLOT_BITS;
        long levelStart = elapsed & ~(levelRange - 1);
        int nowSlot = (int) ((elapsed / slotRange) & (SLOTS - 1));
        if (level < LEVELS - 1) {
            // Below the top level every occupied slot lies in the current rotation, at or after nowSlot
            // (elapsed never moves past the start of an occupied slot), so the first set bit is the earliest.
            int zeros = Long.numberOfTrailingZeros(Long.rotateRight(occ, nowSlot));
            int slot = (nowSlot + zeros) & (SLOTS - 1);
            return Math.max(levelStart + slot * slotRange, elapsed);
        }
        // Top level: deadlines are clamped to one rotation of it, so a slot whose start is before elapsed
        // belongs to the next rotation (entries are inserted there only when their deadline is a rotation
        // away, and a current-rotation slot is processed exactly at its start, so none is left behind).
        // The first set bit after rotating can be such a next-rotation slot (nowSlot itself) hiding earlier
        // slots of the current rotation, so take the minimum over all occupied slots: at most 64, and only
        // for timers days away.
        long best = Long.MAX_VALUE;
        for (long bits = occ; bits != 0; bits &= bits - 1) {
            int slot = Long.numberOfTrailingZeros(bits);
            long deadline = levelStart + slot * slotRange;
            if (deadline < elapsed) {
                deadline += levelRange;
            }
            best = Math.min(best, deadline);
        }
        return best;
    }

    /**
     * Advances to {@code now}, handing every entry whose deadline is {@code <= now} to {@code expire} (already
     * unlinked and marked not in the wheel), in deadline order. {@code expire} must not insert or remove entries.
     * Afterwards {@link #elapsed()} is {@code now} (if it was not already later).
     */
    public void advance(long now, Consumer<TimerEntry> expire) {
        for (TimerEntry e; (e = poll(now)) != null; ) {
            expire.accept(e);
        }
    }

    /**
     * The next entry whose deadline is {@code <= now}, unlinked and marked not in the wheel; or null when there is
     * none, and then {@link #elapsed()} is {@code now} (if it was not already later). Entries come in deadline
     * order (ties in any order), however late the caller is: the wheel moves one due slot at a time, to that
     * slot's start (after Tokio's {@code Wheel::poll}). A due slot's entries whose deadline is its start move to
     * the pending list, from which this returns them one by one (so a caller can stop after a batch and let go of
     * its lock; they are still registered until returned: {@link #remove} takes them out); the others (a
     * higher-level slot spans many ticks) are re-inserted relative to the slot's start, so they fall to lower
     * levels and come due in their turn.
     */
    public TimerEntry poll(long now) {
        for (;;) {
            TimerEntry e = pending.removeFirst();
            if (e != null) {
                e.level = -1;
                e.inWheel = false;
                size--;
                return e;
            }
            int dueLevel = -1;
            long due = Long.MAX_VALUE;
            for (int level = 0; level < LEVELS; level++) {
                long d = nextExpiration(level);
                if (d != Long.MAX_VALUE) {
                    dueLevel = level;
                    due = d;
                    break;
                }
            }
            if (dueLevel < 0 || due > now) {
                if (now > elapsed) {
                    elapsed = now;
                }
                return null;
            }
            elapsed = Math.max(elapsed, due);
            int slot = (int) ((due >>> (dueLevel * SLOT_BITS)) & (SLOTS - 1));
            IntrusiveList<TimerEntry> dueSlot = slot(dueLevel, slot);
            occupied[dueLevel] &= ~(1L << slot);
            if (dueLevel == 0) {
                // A level-0 slot is one tick: every entry in it is due now. The whole list becomes the pending list
                // as it is (the pending list is empty here), without touching its entries (each is touched once,
                // when it is handed out); they keep level 0, which with their deadline tells remove() where they are
                // (see isPending).
                pending.takeAll(dueSlot);
                continue;
            }
            while ((e = dueSlot.removeFirst()) != null) {
                if (e.deadline <= elapsed) {
                    // Due at the slot's start: to the pending list (all of it is due at this same tick, so its order
                    // does not matter: in at the head).
                    e.level = PENDING;
                    e.slot = -1;
                    pending.addFirst(e);
                } else {
                    e.inWheel = false;
                    size--;
                    insert(e, e.deadline); // deadline > elapsed: succeeds, one level lower at least
                }
            }
        }
    }

    static int levelFor(long elapsed, long when) {
        long masked = (elapsed ^ when) | (SLOTS - 1);
        if (masked >= MAX_DURATION) {
            masked = MAX_DURATION - 1;
        }
        int significant = 63 - Long.numberOfLeadingZeros(masked);
        return significant / SLOT_BITS;
    }
}
