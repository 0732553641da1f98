package dev.spindle.internal.time;

import dev.spindle.Waker;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@link TimeDriver} on real time and real threads, bounded: registrants on 4 threads register timers 0–5 ms
 * ahead in 3 shards (two threads share one), a canceller deregisters about a third of them (0–20 ms ahead) at random
 * moments (before, while and after they are due and being fired), and two firers fire in small batches, one blocking and one not,
 * with random limits on how many they take. Afterwards, for every registered timer: woken exactly once or removed
 * exactly once (never both, never neither, never twice), never woken before its deadline, and nothing is left in the
 * wheel. Timers refused at registration (deadline already passed) are never woken.
 */
@Tag("stress")
@Timeout(120)
class TimeDriverStressTest {
    private static final int REGISTRANTS = 4;
    private static final int PER_REGISTRANT = 5_000;

    /** One timer and what happened to it. */
    private static final class Probe implements Waker {
        final long deadlineNanos;
        final TimerEntry entry = new TimerEntry(this);
        final AtomicInteger wakes = new AtomicInteger();
        final AtomicLong wokenAt = new AtomicLong();
        volatile boolean registered;
        volatile boolean removed;

        Probe(long deadlineNanos) {
            this.deadlineNanos = deadlineNanos;
        }

        @Override
        public void wake() {
            wokenAt.compareAndSet(0, System.nanoTime());
            wakes.incrementAndGet();
        }
    }

    private static final java.util.concurrent.atomic.AtomicInteger REMOVED_IN_ALL_ROUNDS =
            new java.util.concurrent.atomic.AtomicInteger();

    @org.junit.jupiter.api.AfterAll
    static void theRoundsRemovedSomeTimersBeforeTheyFired() {
        assertThat(REMOVED_IN_ALL_ROUNDS.get()).as("timers removed before firing, over all rounds").isPositive();
    }

    @RepeatedTest(3)
    void everyTimerFiresOnceOrIsCancelledNeverEarlyNoneLost() throws Exception {
        TimeDriver d = new TimeDriver(3, () -> { });
        List<Probe> all = new ArrayList<>();
        ConcurrentLinkedQueue<Probe> toCancel = new ConcurrentLinkedQueue<>();
        AtomicBoolean registering = new AtomicBoolean(true);
        CountDownLatch registered = new CountDownLatch(REGISTRANTS);
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        List<List<Probe>> perThread = new ArrayList<>();
        for (int t = 0; t < REGISTRANTS; t++) {
            int shard = t % 3;
            List<Probe> mine = new ArrayList<>();
            perThread.add(mine);
            SplittableRandom rnd = new SplittableRandom(1000 + t);
            threads.add(new Thread(() -> {
                try {
                    for (int i = 0; i < PER_REGISTRANT; i++) {
                        // A third will be cancelled: some of them far enough ahead (up to 20 ms) that the cancel
                        // comes first, the others at random moments around their firing.
                        boolean cancel = rnd.nextInt(3) == 0;
                        Probe p = new Probe(System.nanoTime() + rnd.nextLong(cancel ? 20_000_000 : 5_000_000));
                        mine.add(p);
                        p.registered = d.register(p.entry, p.deadlineNanos, shard);
                        if (p.registered && cancel) {
                            toCancel.add(p); // publishes the registration to the canceller (happens-before)
                        }
                        if (rnd.nextInt(64) == 0) {
                            Thread.sleep(0, 200_000); // let time pass: later registrations meet due ticks
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                } finally {
                    registered.countDown();
                }
            }, "registrant-" + t));
        }
        threads.add(new Thread(() -> {
            SplittableRandom rnd = new SplittableRandom(7);
            try {
                while (registering.get() || !toCancel.isEmpty()) {
                    Probe p = toCancel.poll();
                    if (p == null) {
                        Thread.onSpinWait();
                        continue;
                    }
                    if (rnd.nextInt(16) == 0) {
                        Thread.sleep(0, rnd.nextInt(100_000)); // now and then the canceller lags: cancels while due
                    }
                    p.removed = d.deregister(p.entry);
                    assertThat(d.deregister(p.entry)).as("a second deregister removes nothing").isFalse();
                }
            } catch (Throwable e) {
                failures.add(e);
            }
        }, "canceller"));
        for (int f = 0; f < 2; f++) {
            boolean blocking = f == 0;
            SplittableRandom rnd = new SplittableRandom(77 + f);
            threads.add(new Thread(() -> {
                TimerEntry[] batch = new TimerEntry[1 + rnd.nextInt(8)];
                try {
                    while (registering.get() || d.size() > 0) {
                        d.fireDue(blocking, batch, 1 + rnd.nextInt(20));
                        Thread.onSpinWait();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "firer-" + f));
        }
        threads.forEach(Thread::start);
        registered.await();
        // No more registrations: the canceller drains its queue, the firers run until the wheels are empty (then
        // nothing is left to cancel either).
        registering.set(false);
        for (Thread t : threads) {
            t.join(60_000);
            assertThat(t.isAlive()).as("%s still running", t.getName()).isFalse();
        }
        assertThat(failures).isEmpty();
        perThread.forEach(all::addAll);

        int fired = 0, removed = 0, refused = 0;
        for (Probe p : all) {
            if (!p.registered) {
                refused++;
                assertThat(p.wakes).as("a timer refused at registration was woken").hasValue(0);
                assertThat(p.deadlineNanos).isLessThanOrEqualTo(System.nanoTime());
                continue;
            }
            int wakes = p.wakes.get();
            assertThat(wakes + (p.removed ? 1 : 0)).as("woken %d times, removed %s: want exactly one of the two",
                    wakes, p.removed).isEqualTo(1);
            if (wakes == 1) {
                fired++;
                assertThat(p.entry.hasFired()).isTrue();
                assertThat(p.wokenAt.get()).as("woken before its deadline").isGreaterThanOrEqualTo(p.deadlineNanos);
            } else {
                removed++;
            }
        }
        assertThat(d.size()).isZero();
        assertThat(d.nextDeadlineTick()).isEqualTo(Long.MAX_VALUE);
        assertThat(fired).as("fired").isPositive();
        // Whether a cancel beats its timer depends on scheduling: on a loaded 2-core machine the canceller can lag
        // behind every timer of one round (seen once in a full build). That path must be covered by the three
        // rounds together, not by each (checked in afterAll); correctness above is checked in every round.
        REMOVED_IN_ALL_ROUNDS.addAndGet(removed);
        assertThat(fired + removed + refused).isEqualTo(REGISTRANTS * PER_REGISTRANT);
    }
}
