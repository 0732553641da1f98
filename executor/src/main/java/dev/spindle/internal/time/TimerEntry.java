package dev.spindle.internal.time;

import dev.spindle.Waker;
import dev.spindle.internal.util.IntrusiveList;

/**
 * One registered deadline. Linked into a slot of the {@link TimerWheel} (it is its own list node).
 *
 * <p>{@code deadline}, the list links, {@code level}, {@code slot} and {@code inWheel} are
 * guarded by the lock of the {@link TimeDriver} shard it is registered in. {@code fired} and {@code waker} are volatile: the owner (the
 * future, on the task's thread) writes {@code waker} then reads {@code fired}; the driver writes
 * {@code fired} then reads {@code waker} (Dekker: one of them sees the other's write).
 */
public final class TimerEntry extends IntrusiveList.Node {
    long deadline; // in driver ticks (milliseconds since the driver's origin)
    int level = -1;
    int slot = -1;
    boolean inWheel;
    /**
     * The shard it was registered in (set by {@link TimeDriver#register} under the shard's lock; read by
     * {@link TimeDriver#deregister}, which the owner calls after the poll that registered, on whatever thread polls
     * it then: the task's state transitions order the two).
     */
    TimeDriver.Shard shard;

    volatile boolean fired;
    volatile Waker waker;

    public TimerEntry(Waker waker) {
        this.waker = waker;
    }

    public boolean hasFired() {
        return fired;
    }

    /** Replaces the waker if it would not wake the same task. */
    public void updateWaker(Waker w) {
        Waker cur = waker;
        if (cur == null || !cur.willWake(w)) {
            waker = w;
        }
    }
}
