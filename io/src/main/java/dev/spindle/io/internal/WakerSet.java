package dev.spindle.io.internal;

import dev.spindle.Waker;

import java.util.ArrayList;
import java.util.List;

/**
 * The tasks waiting on one resource that several tasks may wait on at once (a listening socket with an accept
 * loop per worker), behind a single waker: the resource's one waker slot holds this set, and waking it wakes
 * every task in it.
 *
 * <h2>Protocol</h2>
 * A task {@link #add}s its waker <em>before</em> it registers the set with the resource and re-checks readiness
 * (ScheduledIo's Dekker pair): a wake that comes after the registration finds the task in the set, and one that
 * came before it left the readiness bit set for the re-check to see. {@link #wake()} takes every waker out and
 * wakes them outside the lock; each woken task that still finds nothing re-adds itself. A task that stops waiting
 * (it got what it wanted, or its future was cancelled) {@link #remove}s itself, so it is not woken for nothing.
 *
 * <h2>Cost</h2>
 * All waiters are woken per event and one of them wins (a thundering herd of the waiting tasks, bounded by
 * their number): the price of not losing a wake-up. With one waiter this is one lock and one wake per event.
 * {@code add} and {@code remove} are linear in the number of waiters, which is the number of concurrent
 * accept loops: a handful.
 */
public final class WakerSet implements Waker {
    private final List<Waker> waiting = new ArrayList<>(4); // guarded by this

    /** Adds {@code w} unless a waker that wakes the same task is already in the set. */
    public synchronized void add(Waker w) {
        for (int i = 0; i < waiting.size(); i++) {
            Waker cur = waiting.get(i);
            if (cur.willWake(w)) {
                waiting.set(i, w); // the newest waker of a task is the one to use
                return;
            }
        }
        waiting.add(w);
    }

    /** Removes the waker of {@code w}'s task, if it is in the set. */
    public synchronized void remove(Waker w) {
        for (int i = 0; i < waiting.size(); i++) {
            if (waiting.get(i).willWake(w)) {
                waiting.remove(i);
                return;
            }
        }
    }

    /** Waiters now (tests). */
    public synchronized int size() {
        return waiting.size();
    }

    /** Wakes and removes every waiter. */
    @Override
    public void wake() {
        Waker[] toWake;
        synchronized (this) {
            if (waiting.isEmpty()) {
                return;
            }
            toWake = waiting.toArray(new Waker[0]);
            waiting.clear();
        }
        for (Waker w : toWake) {
            w.wake(); // outside the lock: a waker may run arbitrary code (schedule a task, unpark a thread)
        }
    }

    @Override
    public String toString() {
        return "WakerSet[" + size() + " waiting]";
    }
}
