package dev.spindle.internal.time;

import dev.spindle.Waker;
import dev.spindle.internal.task.FaultReporter;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The runtime's timers: one {@link TimerWheel} per worker (a <em>shard</em>), each behind its own lock, with
 * millisecond ticks counted from the driver's creation.
 *
 * <h2>Shards</h2>
 * A timer is registered in the shard of the worker that polls it (the {@code shard} argument), so registrations on
 * different workers never contend with each other; a registration waits at most for a firer that holds its shard's
 * lock for one batch ({@link #FIRE_BATCH} entries taken out of the wheel; the wakes run after the lock is let go).
 * Before the shards, one lock for everything made registrations and firing park on each other (AQS park/unpark was a
 * third of the CPU of 100,000 timers). A timer stays in its shard until it fires or is deregistered (the entry
 * remembers its shard). As in Tokio (which shards its wheel per worker the same way), every firer looks at every
 * shard, so a worker stuck in a long poll does not hold back the timers of its shard.
 *
 * <h2>Who drives it</h2>
 * Workers call {@link #fireDue(boolean, TimerEntry[], int)} from their maintenance step (every few dozen polls while
 * busy, without blocking) and from the parking path, where the one worker that owns the driver sleeps until
 * {@link #nanosUntilNext()}. When a timer is inserted with a deadline earlier than the one the sleeper is
 * waiting for, {@code onEarlierDeadline} is run so that the scheduler can wake it. A firer goes tick by tick over
 * the shards (deadline order even when it is late) and fires no more than its caller has room for in its run queue
 * (the rest stay due in the wheel for the next maintenance step, rather than overflow behind the inject queue).
 *
 * <h2>Concurrency</h2>
 * A shard's wheel and the links of its entries are guarded by the shard's {@code lock}. Its {@code nextDeadline}
 * is a volatile copy of the wheel's next expiration, written under the lock and read without it as the cheap
 * "anything due?" check and by the sleeper. Wakers are called after the lock is released (a wake may take
 * scheduler locks), in batches of at most {@link #FIRE_BATCH}.
 */
public final class TimeDriver {
    private static final long NANOS_PER_TICK = 1_000_000L;
    /** Loaded with the driver, not at the first timer: see Completion.PRELOADED for why. */
    @SuppressWarnings("unused")
    private static final Class<?>[] PRELOADED = {TimerEntry.class, dev.spindle.time.Sleep.class, Shard.class};

    /** Most timers fired per hold of a shard's lock (see {@link #fireDue(boolean, TimerEntry[], int)}). */
    public static final int FIRE_BATCH = 64;

    /**
     * One wheel and its lock. Padded on both sides: the shards are allocated together, and a worker's writes to
     * its own shard (registrations, nextDeadline) must not invalidate the line the others read.
     */
    static final class Shard extends ShardFields {
        @SuppressWarnings("unused")
        long p01, p02, p03, p04, p05, p06, p07, p08;

        Shard(int index) {
            super(index);
        }
    }

    /** {@link System#nanoTime()}, or a test's clock. */
    private final LongSupplier clock;
    private final long originNanos;
    private final Shard[] shards;
    private final Runnable onEarlierDeadline;

    /**
     * The tick the driver-owning worker sleeps until: Long.MAX_VALUE while it sleeps with no timer,
     * Long.MIN_VALUE while nobody sleeps on the driver (then busy workers fire timers in maintenance).
     * Dekker pair: the sleeper writes this, then re-reads every shard's nextDeadline ({@link #nextDeadlineTick});
     * a registrant writes its shard's nextDeadline (under the shard's lock), then reads this. Both volatile, so
     * in the total order one of the two reads sees the other side's write: either the sleeper sees the earlier
     * deadline (and does not sleep past it) or the registrant sees the sleep (and wakes the sleeper).
     */
    private volatile long sleepingUntil = Long.MIN_VALUE;

    /** A driver with one shard. */
    public TimeDriver(Runnable onEarlierDeadline) {
        this(1, onEarlierDeadline);
    }

    /** A driver with {@code shards} shards (one per worker). */
    public TimeDriver(int shards, Runnable onEarlierDeadline) {
        this(shards, onEarlierDeadline, System::nanoTime);
    }

    /** For tests: a driver on {@code clock} (nanoseconds, {@link System#nanoTime()}-like) instead of the real time. */
    TimeDriver(int shards, Runnable onEarlierDeadline, LongSupplier clock) {
        this.clock = clock;
        this.originNanos = clock.getAsLong();
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be >= 1, was " + shards);
        }
        this.shards = new Shard[shards];
        for (int i = 0; i < shards; i++) {
            this.shards[i] = new Shard(i);
        }
        this.onEarlierDeadline = onEarlierDeadline;
    }

    /** Ticks (ms) since origin for {@code nanoTime}, rounded up so that timers never fire early. */
    public long tickFor(long nanoTime) {
        long d = nanoTime - originNanos;
        if (d <= 0) {
            return 0;
        }
        return (d + NANOS_PER_TICK - 1) / NANOS_PER_TICK;
    }

    /** The current tick, rounded down. */
    public long nowTick() {
        return (clock.getAsLong() - originNanos) / NANOS_PER_TICK;
    }

    /** {@link #register(TimerEntry, long, int)} in shard 0. */
    public boolean register(TimerEntry e, long deadlineNanos) {
        return register(e, deadlineNanos, 0);
    }

    /**
     * Registers {@code e} for {@code deadlineNanos} ({@link System#nanoTime()} base) in shard {@code shard} (the
     * registering worker's index; taken modulo the number of shards). Returns false if the deadline has already
     * passed (the entry is not registered; the caller completes at once).
     */
    public boolean register(TimerEntry e, long deadlineNanos, int shard) {
        long tick = tickFor(deadlineNanos);
        Shard s = shards[Math.floorMod(shard, shards.length)];
        boolean earlier;
        s.lock.lock();
        try {
            // "Already passed" is judged against the present, not against how far the wheel has been advanced.
            long now = nowTick();
            if (tick <= now) {
                return false;
            }
            if (!s.wheel.insert(e, tick)) {
                return false;
            }
            e.shard = s; // plain: read by deregister on the owner's thread, after this poll (task state orders it)
            long next = s.wheel.nextExpiration();
            if (next != s.nextDeadline) {
                s.nextDeadline = next; // volatile write, then the sleepingUntil read below (Dekker, see sleepingUntil)
            }
            earlier = tick < sleepingUntil; // volatile read; pairs with the sleeper's write in setSleepingUntil
        } finally {
            s.lock.unlock();
        }
        if (earlier) {
            onEarlierDeadline.run();
        }
        return true;
    }

    /**
     * Removes {@code e} if registered (a cancelled sleep). Returns true if it was still registered: then it will
     * not fire. False if it was never registered or has been taken out to fire (its wake may still be under way).
     */
    public boolean deregister(TimerEntry e) {
        Shard s = e.shard;
        if (s == null) {
            return false; // never registered
        }
        s.lock.lock();
        try {
            boolean registered = e.inWheel; // in a slot or in the pending list: not taken by a firer yet
            s.wheel.remove(e);
            long next = s.wheel.nextExpiration();
            if (next != s.nextDeadline) {
                s.nextDeadline = next; // volatile; only moves later: nobody to wake (written only on change: readers poll it)
            }
            return registered;
        } finally {
            s.lock.unlock();
        }
    }

    /** Whether some timer is due now (cheap: one volatile read per shard; no lock). */
    public boolean anyDue() {
        long now = nowTick();
        for (Shard s : shards) {
            if (s.nextDeadline <= now) {
                return true;
            }
        }
        return false;
    }

    /** {@link #fireDue(boolean, TimerEntry[], int)} with a batch array of its own and no limit (tests). */
    public int fireDue(boolean blocking) {
        return fireDue(blocking, new TimerEntry[FIRE_BATCH], Integer.MAX_VALUE);
    }

    /**
     * Fires every due timer of every shard; returns how many fired. Goes tick by tick over the shards, so timers
     * are woken in deadline order even when this firer is late by several ticks. From a shard it takes up to
     * {@code batch.length} due entries out of the wheel under the shard's lock, lets go of the lock, wakes them,
     * and comes back for more. So no lock is held across wakes, a registration waits for one batch at most, and
     * other workers can take batches of the same tick meanwhile. {@code batch} is the caller's scratch array (a
     * worker's own, so firing allocates nothing); it is left cleared. If {@code blocking} is false, a shard whose
     * lock another thread holds is skipped (a busy worker's maintenance must not wait; the holder is registering
     * or firing, and the next maintenance or the driver owner comes back for it).
     *
     * <p>Fires at most {@code max} timers (at least one batch's worth is not promised: {@code max} may be small).
     * The caller passes the room left in its run queue: timers that would not fit stay due in the wheel, where the
     * next maintenance step (or another worker) finds them, instead of overflowing to the back of the inject queue,
     * behind everything queued there (under a spawn burst, tens of thousands of tasks not yet polled once).
     */
    public int fireDue(boolean blocking, TimerEntry[] batch, int max) {
        int fired = 0;
        long now = nowTick();
        while (fired < max) {
            long tick = Math.min(nextDeadlineTick(), now); // a registration never adds a deadline <= now
            if (tick == Long.MAX_VALUE || tick > now) {
                return fired;
            }
            boolean progress = false;
            for (Shard s : shards) {
                if (fired < max && s.nextDeadline <= tick) { // volatile; written under the shard's lock
                    int n = fireShard(s, tick, blocking, batch, max - fired);
                    if (n >= 0) {
                        progress = true;
                        fired += n;
                    }
                }
            }
            if (!progress) {
                return fired; // every shard due at this tick was busy: try again later
            }
        }
        return fired;
    }

    /**
     * Fires at most {@code max} timers of {@code s} due at or before {@code upTo}, in batches (see {@link #fireDue});
     * returns how many, or -1 if {@code blocking} is false and the lock was taken.
     */
    private int fireShard(Shard s, long upTo, boolean blocking, TimerEntry[] batch, int max) {
        int fired = 0;
        for (;;) {
            int limit = Math.min(batch.length, max - fired);
            if (blocking) {
                s.lock.lock();
            } else if (!s.lock.tryLock()) {
                return fired == 0 ? -1 : fired;
            }
            int n = 0;
            try {
                for (TimerEntry e; n < limit && (e = s.wheel.poll(upTo)) != null; ) {
                    batch[n++] = e;
                }
                // Elapsed (so: still due) while entries wait in the wheel's pending list for the next batch.
                s.nextDeadline = s.wheel.nextExpiration(); // volatile; read by anyDue, fireDue and the sleeper
            } finally {
                s.lock.unlock();
            }
            for (int i = 0; i < n; i++) {
                TimerEntry e = batch[i];
                batch[i] = null;
                e.fired = true; // volatile write, then the waker read: Dekker with the owner's poll (see TimerEntry)
                Waker w = e.waker;
                if (w != null) {
                    try {
                        w.wake();
                    } catch (Throwable failure) {
                        // A waker that throws must not cost the rest of the batch its wakes: these entries are out
                        // of the wheel already, and nobody would fire them again.
                        FaultReporter.current().contain(FaultReporter.Kind.WAKER, "firing timers", failure);
                    }
                }
            }
            fired += n;
            if (n < limit || fired == max) {
                return fired;
            }
        }
    }

    /**
     * Nanoseconds until the next timer is due (0 if one is due now), or -1 if there is none. The
     * driver-owning worker parks for this long.
     */
    public long nanosUntilNext() {
        long next = nextDeadlineTick();
        if (next == Long.MAX_VALUE) {
            return -1;
        }
        long deadlineNanos = originNanos + next * NANOS_PER_TICK;
        return Math.max(0, deadlineNanos - clock.getAsLong());
    }

    /**
     * The driver-owning worker announces the tick it sleeps until (Long.MAX_VALUE: no timer, sleeps
     * indefinitely); Long.MIN_VALUE once it stops sleeping.
     */
    public void setSleepingUntil(long tick) {
        sleepingUntil = tick; // volatile write, then the caller re-reads nextDeadlineTick() (Dekker with register)
    }

    /** The earliest next expiration over all shards, in ticks (Long.MAX_VALUE: none). Volatile reads, no lock. */
    public long nextDeadlineTick() {
        long min = Long.MAX_VALUE;
        for (Shard s : shards) {
            min = Math.min(min, s.nextDeadline); // volatile; pairs with the writes under each shard's lock
        }
        return min;
    }

    /** Registered timers (takes each shard's lock in turn). */
    public int size() {
        int n = 0;
        for (Shard s : shards) {
            s.lock.lock();
            try {
                n += s.wheel.size();
            } finally {
                s.lock.unlock();
            }
        }
        return n;
    }
}

/** Padding before a {@link TimeDriver.Shard}'s fields (see there). */
abstract class ShardPad {
    @SuppressWarnings("unused")
    long p01, p02, p03, p04, p05, p06, p07, p08;
}

/** A {@link TimeDriver.Shard}'s fields. */
abstract class ShardFields extends ShardPad {
    final int index;
    final ReentrantLock lock = new ReentrantLock();
    final TimerWheel wheel = new TimerWheel();
    /** Next expiration in ticks (Long.MAX_VALUE: none). Written under {@code lock}, read without it. */
    volatile long nextDeadline = Long.MAX_VALUE;

    ShardFields(int index) {
        this.index = index;
    }
}
