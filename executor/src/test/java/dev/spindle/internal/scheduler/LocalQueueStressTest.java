package dev.spindle.internal.scheduler;

import dev.spindle.internal.task.Task;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static dev.spindle.internal.scheduler.QueueTestTasks.task;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real threads: one owner pushes (with overflow bursts) and pops a million tasks, keeping its queue about half
 * full, while three thieves steal from the owner and from each other, each into its own queue. Every task must
 * be obtained exactly once (pop, steal, or overflow), and in each steal batch the tasks moved into the thief's
 * queue must be older than the one returned to run now.
 */
@Tag("stress")
@Timeout(60)
class LocalQueueStressTest {
    private static final int TASKS = 1_000_000;
    private static final int THIEVES = 3;

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {4, 256})
    void everyTaskObtainedExactlyOnce(int capacity) throws Exception {
        LocalQueue owner = new LocalQueue(capacity);
        LocalQueue[] thiefQueues = new LocalQueue[THIEVES];
        for (int i = 0; i < THIEVES; i++) {
            thiefQueues[i] = new LocalQueue(capacity);
        }
        AtomicIntegerArray seen = new AtomicIntegerArray(TASKS);
        AtomicBoolean ownerDone = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] stolenByThief = new long[THIEVES];

        List<Thread> thieves = new ArrayList<>();
        for (int i = 0; i < THIEVES; i++) {
            int me = i;
            Thread t = new Thread(() -> {
                try {
                    LocalQueue mine = thiefQueues[me];
                    long stolen = 0;
                    int victim = 0;
                    for (;;) {
                        // Run (record) our own work first: stealInto requires an empty destination.
                        for (Task<?> x; (x = mine.pop()) != null; ) {
                            seen.incrementAndGet((int) x.id());
                        }
                        boolean done = ownerDone.get(); // read before the scan: no task appears after it
                        // Victims: the owner, then the other thieves (their queues are stolen from, too).
                        LocalQueue from = victim == 0 ? owner : thiefQueues[(me + victim) % THIEVES];
                        victim = (victim + 1) % THIEVES;
                        if (from == mine) {
                            continue;
                        }
                        Task<?> runNow = from.stealInto(mine);
                        if (runNow != null) {
                            stolen++;
                            long top = runNow.id();
                            for (Task<?> x; (x = mine.pop()) != null; ) {
                                if (x.id() >= top) {
                                    throw new AssertionError("moved task " + x.id() + " not older than " + top);
                                }
                                seen.incrementAndGet((int) x.id());
                                stolen++;
                            }
                            seen.incrementAndGet((int) top);
                        } else if (done && allEmpty(owner, thiefQueues)) {
                            break;
                        } else {
                            Thread.yield(); // 2 shared cores: let the owner run
                        }
                    }
                    stolenByThief[me] = stolen;
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "thief-" + i);
            t.start();
            thieves.add(t);
        }

        long overflowed = 0;
        long popped = 0;
        SplittableRandom rnd = new SplittableRandom(capacity);
        for (int id = 0; id < TASKS; id++) {
            overflowed += owner.push(task(id), x -> seen.incrementAndGet((int) x.id()));
            if (id % 10_000 < capacity + 2) {
                continue; // a burst without pops: the queue fills up and overflows (half to the consumer)
            }
            // Otherwise keep the queue about half full, so thieves find work and race the owner's pops.
            int pops = owner.len() > capacity / 2 ? 2 : rnd.nextInt(2);
            for (int k = 0; k < pops; k++) {
                Task<?> x = owner.pop();
                if (x != null) {
                    seen.incrementAndGet((int) x.id());
                    popped++;
                }
            }
        }
        for (Task<?> x; (x = owner.pop()) != null; ) {
            seen.incrementAndGet((int) x.id());
            popped++;
        }
        ownerDone.set(true);
        for (Thread t : thieves) {
            t.join(20_000);
            assertThat(t.isAlive()).as("thief did not finish").isFalse();
        }
        assertThat(failure.get()).isNull();
        for (LocalQueue q : thiefQueues) {
            assertThat(q.isEmpty()).isTrue();
        }
        int lost = 0;
        int duplicated = 0;
        int firstBad = -1;
        for (int i = 0; i < TASKS; i++) {
            int s = seen.get(i);
            if (s != 1) {
                if (firstBad < 0) {
                    firstBad = i;
                }
                if (s == 0) {
                    lost++;
                } else {
                    duplicated++;
                }
            }
        }
        long stolen = 0;
        for (long s : stolenByThief) {
            stolen += s;
        }
        assertThat(lost).as("lost tasks (first bad id %d)", firstBad).isZero();
        assertThat(duplicated).as("duplicated tasks (first bad id %d)", firstBad).isZero();
        assertThat(popped + overflowed + stolen).isEqualTo(TASKS);
        System.out.printf("LocalQueue stress, capacity %d: popped %d, overflowed %d, stolen %d%n",
                capacity, popped, overflowed, stolen);
    }

    private static boolean allEmpty(LocalQueue owner, LocalQueue[] thiefQueues) {
        if (!owner.isEmpty()) {
            return false;
        }
        for (LocalQueue q : thiefQueues) {
            if (!q.isEmpty()) {
                return false;
            }
        }
        return true;
    }
}
