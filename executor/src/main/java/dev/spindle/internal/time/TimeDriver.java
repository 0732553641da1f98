package dev.spindle.internal.time;

import dev.spindle.Waker;
import dev.spindle.internal.task.FaultReporter;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The runtime's timers: a {@link TimerWheel} behind a lock, with millisecond ticks counted from the
 * driver's creation.
 *
 * <h2>Who drives it</h2>
 * Workers call {@link #fireDue(boolean, TimerEntry[])} from their maintenance step (every few dozen ticks while busy) and from the
 * parking path, where the one worker that owns the driver sleeps until {@link #nanosUntilNext()}. When a
 * timer is inserted with a deadline earlier than the one the sleeper is waiting for, {@code onEarlierDeadline}
 * is run so that the scheduler can wake it.
 *
 * <h2>Concurrency</h2>
 * The wheel and every entry's links are guarded by {@code lock}. {@code nextDeadline} is a volatile copy of
 * the wheel's next expiration, written under the lock and read without it as a cheap "anything due?"
 * check. Wakers are called after the lock is released (a wake may take scheduler locks), in batches of at most
 * {@link #FIRE_BATCH}.
 */
public final class TimeDriver {
    private static final long NANOS_PER_TICK = 1_000_000L;
    /** Loaded with the driver, not at the first timer: see Completion.PRELOADED for why. */
    @SuppressWarnings("unused")
    private static final Class<?>[] PRELOADED = {TimerEntry.class, dev.spindle.time.Sleep.class};

    private final long originNanos = System.nanoTime();
    private final ReentrantLock lock = new ReentrantLock();
    private final TimerWheel wheel = new TimerWheel();
    private final Runnable onEarlierDeadline;

    /** Next expiration in ticks (Long.MAX_VALUE: none). Written under lock, read racily. */
    private volatile long nextDeadline = Long.MAX_VALUE;
    /**
     * The tick the driver-owning worker sleeps until: Long.MAX_VALUE while it sleeps with no timer,
     * Long.MIN_VALUE while nobody sleeps on the driver (then busy workers fire timers in maintenance).
     * Dekker pair: the sleeper writes this, then re-reads nextDeadline; a registrant writes nextDeadline
     * (under the lock), then reads this.
     */
    private volatile long sleepingUntil = Long.MIN_VALUE;

    public TimeDriver(Runnable onEarlierDeadline) {
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
        return (System.nanoTime() - originNanos) / NANOS_PER_TICK;
    }

    /**
     * Registers {@code e} for {@code deadlineNanos} ({@link System#nanoTime()} base). Returns false if the
     * deadline has already passed (the entry is not registered; the caller completes at once).
     */
    public boolean register(TimerEntry e, long deadlineNanos) {
        long tick = tickFor(deadlineNanos);
        boolean earlier;
        lock.lock();
        try {
            // Bring the wheel up to date first, so "already passed" is judged against the present.
            long now = nowTick();
            if (tick <= now) {
                return false;
            }
            if (!wheel.insert(e, tick)) {
                return false;
            }
            long next = wheel.nextExpiration();
            nextDeadline = next;
            earlier = tick < sleepingUntil;
        } finally {
            lock.unlock();
        }
        if (earlier) {
            onEarlierDeadline.run();
        }
        return true;
    }

    /** Removes {@code e} if registered (a cancelled sleep). */
    public void deregister(TimerEntry e) {
        lock.lock();
        try {
            wheel.remove(e);
            nextDeadline = wheel.nextExpiration();
        } finally {
            lock.unlock();
        }
    }

    /** Whether some timer is due now (cheap; no lock). */
    public boolean anyDue() {
        return nextDeadline <= nowTick();
    }

    /** Most timers fired per hold of the lock (see {@link #fireDue(boolean, TimerEntry[])}). */
    public static final int FIRE_BATCH = 64;

    /** {@link #fireDue(boolean, TimerEntry[])} with a batch array of its own (tests, one-off callers). */
    public int fireDue(boolean blocking) {
        return fireDue(blocking, new TimerEntry[FIRE_BATCH]);
    }

    /**
     * Fires every due timer; returns how many fired. Takes up to {@code batch.length} due entries out of the wheel
     * under the lock, lets go of it, wakes them (in deadline order: the wheel hands them out in that order), and
     * comes back for more until none is due. So the lock is never held across wakes, registrations wait for one
     * batch at most, and other workers can take batches of the same tick meanwhile. {@code batch} is the caller's
     * scratch array (a worker's own, so firing allocates nothing); it is left cleared. If {@code blocking} is false
     * and another thread holds the lock, returns at once (a busy worker's maintenance must not wait).
     */
    public int fireDue(boolean blocking, TimerEntry[] batch) {
        int fired = 0;
        for (;;) {
            if (blocking) {
                lock.lock();
            } else if (!lock.tryLock()) {
                return fired;
            }
            int n = 0;
            try {
                long now = nowTick();
                if (nextDeadline > now) {
                    return fired;
                }
                for (TimerEntry e; n < batch.length && (e = wheel.poll(now)) != null; ) {
                    batch[n++] = e;
                }
                nextDeadline = wheel.nextExpiration(); // elapsed (so "due") while entries wait in the pending list
            } finally {
                lock.unlock();
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
            if (n < batch.length) {
                return fired;
            }
        }
    }

    /**
     * Nanoseconds until the next timer is due (0 if one is due now), or -1 if there is none. The
     * driver-owning worker parks for this long.
     */
    public long nanosUntilNext() {
        long next = nextDeadline;
        if (next == Long.MAX_VALUE) {
            return -1;
        }
        long deadlineNanos = originNanos + next * NANOS_PER_TICK;
        return Math.max(0, deadlineNanos - System.nanoTime());
    }

    /**
     * The driver-owning worker announces the tick it sleeps until (Long.MAX_VALUE: no timer, sleeps
     * indefinitely); Long.MIN_VALUE once it stops sleeping.
     */
    public void setSleepingUntil(long tick) {
        sleepingUntil = tick;
    }

    /** The next expiration tick (Long.MAX_VALUE: none). */
    public long nextDeadlineTick() {
        return nextDeadline;
    }

    /** Registered timers (takes the lock). */
    public int size() {
        lock.lock();
        try {
            return wheel.size();
        } finally {
            lock.unlock();
        }
    }
}
