package dev.spindle.internal.time;

import dev.spindle.testkit.RecordingWaker;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static dev.spindle.testkit.ModelChecks.check;
import static dev.spindle.testkit.ModelChecks.join;

/**
 * Lincheck model checks of the {@link TimeDriver}'s handshakes, on the real driver with a test clock (fixed during
 * each run, so "due" is decided by the test, not by how long the model checker takes):
 *
 * <ul>
 *   <li>{@link #registrationRacingTheSleeper()}: the sleeper's {@code sleepingUntil} Dekker, across shards. The
 *       driver owner reads the earliest deadline over all shards, announces that it sleeps until then, and
 *       re-reads (as {@code Worker.park} does); a task on another worker registers an earlier timer in its own
 *       shard. Either the sleeper's re-read sees the new deadline (it does not sleep past it) or the registrant sees
 *       the announced sleep and runs {@code onEarlierDeadline} (the wake-up). Never neither.</li>
 *   <li>{@link #firingRacingCancellationAndRegistration()}: registration vs firing, with batches of one entry so
 *       the firer lets go of the lock between entries while the rest of the tick waits in the wheel's pending list.
 *       A cancellation of a due entry and a registration of a later one race the firer. Every due entry that was
 *       not cancelled is woken exactly once; the cancelled one is either removed (deregister says so) or woken,
 *       exactly one of the two; the later one is not woken (never early) and stays registered.</li>
 *   <li>{@link #firingRacingTheOwnersNewWaker()}: the {@code fired}/{@code waker} Dekker between the firer and the
 *       owner's poll (as {@code Sleep.poll}: store the new waker, then re-check {@code fired}): either the owner sees
 *       the timer fired or the firer wakes the new waker.</li>
 * </ul>
 * Each was seen to fail on a mutant (see the test methods).
 */
@Tag("model")
@Timeout(120)
class TimeDriverModelCheckTest {
    private static final int INVOCATIONS = 1_000;
    private static final long MS = 1_000_000L;


    /**
     * Fails (seen) if {@code register} reads {@code sleepingUntil} before it publishes its shard's
     * {@code nextDeadline}, or if {@code nextDeadlineTick} looks at one shard only.
     */
    @Test
    void registrationRacingTheSleeper() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            AtomicLong clock = new AtomicLong(1_000 * MS);
            AtomicBoolean woken = new AtomicBoolean();
            TimeDriver d = new TimeDriver(2, () -> woken.set(true), clock::get);
            long origin = clock.get();
            check(d.register(new TimerEntry(null), origin + 100 * MS, 0), "registered"); // the sleeper's timer
            long[] slept = {Long.MIN_VALUE};
            Thread sleeper = new Thread(() -> {
                long until = d.nextDeadlineTick();
                d.setSleepingUntil(until);
                if (d.nextDeadlineTick() == until) {
                    slept[0] = until; // parks until then; only onEarlierDeadline would wake it sooner
                }
            });
            Thread registrant = new Thread(() -> d.register(new TimerEntry(null), origin + 10 * MS, 1));
            sleeper.start();
            registrant.start();
            join(sleeper, registrant);
            check(slept[0] == Long.MIN_VALUE || slept[0] <= 10 || woken.get(),
                    "the sleeper sleeps until tick " + slept[0] + " past a timer at tick 10, and nobody woke it");
        });
    }

    /**
     * Fails (seen) if the wheel's {@code remove} of the first pending entry leaves it at the head of the pending list
     * (it is then both removed and fired), or if the wheel returns an entry from the pending list still marked as
     * registered (the cancel then unlinks it from nowhere and throws).
     */
    @Test
    void firingRacingCancellationAndRegistration() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            AtomicLong clock = new AtomicLong(1_000 * MS);
            TimeDriver d = new TimeDriver(1, () -> { }, clock::get);
            long origin = clock.get();
            RecordingWaker wa = new RecordingWaker(), wb = new RecordingWaker(), wa2 = new RecordingWaker();
            RecordingWaker wc = new RecordingWaker(), we = new RecordingWaker();
            TimerEntry a = new TimerEntry(wa), b = new TimerEntry(wb), a2 = new TimerEntry(wa2), c = new TimerEntry(wc);
            TimerEntry e = new TimerEntry(we);
            // A slot lists its entries newest first, and the pending list keeps that order: a, b, a2 at tick 1. So
            // after the firer's first batch (a), b waits at the head of the pending list with the lock free.
            check(d.register(a2, origin + MS, 0) && d.register(b, origin + MS, 0) && d.register(a, origin + MS, 0)
                    && d.register(c, origin + 2 * MS, 0), "registered");
            clock.set(origin + 2 * MS); // a, b, a2 and c are due
            boolean[] removed = new boolean[1];
            boolean[] done = new boolean[3]; // each thread's body ran to its end (a thread that throws does not)
            Thread firer = new Thread(() -> {
                d.fireDue(true, new TimerEntry[1], Integer.MAX_VALUE);
                done[0] = true;
            });
            Thread canceller = new Thread(() -> {
                removed[0] = d.deregister(b);
                done[1] = true;
            });
            Thread registrant = new Thread(() -> {
                done[2] = d.register(e, origin + 5 * MS, 0);
            });
            firer.start();
            canceller.start();
            registrant.start();
            join(firer, canceller, registrant);
            check(done[0] && done[1] && done[2], "a thread failed: fired " + done[0] + ", deregistered " + done[1]
                    + ", registered " + done[2]);
            check(wa.wakeCount() == 1 && wa2.wakeCount() == 1 && wc.wakeCount() == 1, "due entries woken " + wa.wakeCount()
                    + ", " + wa2.wakeCount() + " and " + wc.wakeCount() + " times (want once each)");
            check(wb.wakeCount() + (removed[0] ? 1 : 0) == 1, "the cancelled entry: woken " + wb.wakeCount()
                    + " times, deregister said removed=" + removed[0] + " (want exactly one of the two)");
            check(we.wakeCount() == 0, "the entry due at tick 5 was woken at tick 2");
            check(d.size() == 1 && e.inWheel, "the later entry is no longer registered (size " + d.size() + ")");
            check(d.nextDeadlineTick() == 5, "next deadline " + d.nextDeadlineTick() + " (want 5)");
        });
    }

    /** Fails (seen) if the firer reads the waker before it sets {@code fired}. */
    @Test
    void firingRacingTheOwnersNewWaker() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            AtomicLong clock = new AtomicLong(1_000 * MS);
            TimeDriver d = new TimeDriver(1, () -> { }, clock::get);
            long origin = clock.get();
            RecordingWaker first = new RecordingWaker(), second = new RecordingWaker();
            TimerEntry t = new TimerEntry(first);
            check(d.register(t, origin + MS, 0), "registered");
            clock.set(origin + MS);
            boolean[] sawFired = new boolean[1];
            Thread firer = new Thread(() -> d.fireDue(true));
            Thread owner = new Thread(() -> {
                t.updateWaker(second); // a poll from another task context brings a new waker...
                sawFired[0] = t.hasFired(); // ...then re-checks, as Sleep.poll does
            });
            firer.start();
            owner.start();
            join(firer, owner);
            check(sawFired[0] || second.wakeCount() == 1,
                    "the owner stored a new waker and missed the firing, and the firer woke the old one");
        });
    }
}
