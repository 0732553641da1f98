package dev.spindle.internal.time;

import dev.spindle.Waker;
import dev.spindle.internal.task.FaultReporter;

import java.util.ArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The runtime's timers: a {@link TimerWheel} behind a lock, with millisecond ticks counted from the
 * driver's creation.
 *
 * <h2>Who drives it</h2>
 * Workers call {@link #fireDue()} from their maintenance step (every few dozen ticks while busy) and from the
 * parking path, where the one worker that owns the driver sleeps until {@link #nextDeadlineNanos()}. When a
 * timer is inserted with a deadline earlier than the one the sleeper is waiting for, {@code onEarlierDeadline}
 * is run so that the scheduler can wake it.
 *
 * <h2>Concurrency</h2>
 * The wheel and every entry's links are guarded by {@code lock}. {@code nextDeadline} is a volatile copy of
 * the wheel's next expiration, written under the lock and read without it as a cheap "anything due?"
 * check. Wakers are called after the lock is released (a wake may take scheduler locks).
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

    /**
     * Fires every due timer. Returns how many fired. If {@code blocking} is false and another thread holds
     * the lock, returns 0 at once (a busy worker's maintenance must not wait).
     */
    public int fireDue(boolean blocking) {
        if (blocking) {
            lock.lock();
        } else if (!lock.tryLock()) {
            return 0;
        }
        ArrayList<TimerEntry> batch = null;
        try {
            long now = nowTick();
            if (nextDeadline > now) {
                return 0;
            }
            ArrayList<TimerEntry> due = new ArrayList<>();
            wheel.advance(now, due::add);
            nextDeadline = wheel.nextExpiration();
            batch = due;
        } finally {
            lock.unlock();
        }
        // A late driver (a loaded machine) may find several deadlines due at once: wake them in deadline
        // order, so tasks observe timers in the order they were due. The deadlines are stable: the entries
        // are out of the wheel. (The sort is skipped for the usual batch of one.)
        if (batch.size() > 1) {
            batch.sort(java.util.Comparator.comparingLong(e -> e.deadline));
        }
        for (TimerEntry e : batch) {
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
        return batch.size();
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
