package dev.spindle.internal.scheduler;

import dev.spindle.internal.task.Task;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static dev.spindle.internal.scheduler.QueueTestTasks.check;
import static dev.spindle.internal.scheduler.QueueTestTasks.task;

/**
 * Lincheck model check of {@link LocalQueue} at capacity 4 with random scenarios: owner operations (push
 * with an overflow consumer, pop) in one thread, steals (into the thief's own queue, drained at once) in
 * the others.
 *
 * <p>Steal is not linearizable against a "take half" sequential spec (the batch size comes from a
 * {@code tail} read that may be older than the claiming CAS), so the operations return nothing and the
 * check is an invariant in {@link #noTaskLostOrDuplicated()} (a {@code @Validate} function, run by Lincheck
 * after the parts of each scenario): every pushed task is obtained exactly once by pop, steal or overflow,
 * or is still queued exactly once.
 */
@Tag("model")
@Param(name = "tid", gen = ThreadIdGen.class)
@Timeout(120)
public class LocalQueueLincheckTest {
    private static final int MAX_THREADS = 8;

    private final LocalQueue queue = new LocalQueue(4);
    /** The thieves' own queues, one per Lincheck thread; each is empty between operations. */
    private final LocalQueue[] thiefQueues = new LocalQueue[MAX_THREADS];
    /** What each thread obtained, by thread id; written by that thread only. */
    @SuppressWarnings("unchecked")
    private final List<Long>[] obtained = new List[MAX_THREADS];
    /** Owner-only state. */
    private final List<Long> ownerObtained = new ArrayList<>();
    private long nextId;

    public LocalQueueLincheckTest() {
        for (int i = 0; i < MAX_THREADS; i++) {
            thiefQueues[i] = new LocalQueue(4);
            obtained[i] = new ArrayList<>();
        }
    }

    @Operation(nonParallelGroup = "owner")
    public void push() {
        queue.push(task(nextId++), t -> ownerObtained.add(t.id()));
    }

    @Operation(nonParallelGroup = "owner")
    public void pop() {
        Task<?> t = queue.pop();
        if (t != null) {
            ownerObtained.add(t.id());
        }
    }

    @Operation
    public void steal(@Param(name = "tid") int tid) {
        LocalQueue dst = thiefQueues[tid];
        Task<?> runNow = queue.stealInto(dst);
        if (runNow == null) {
            check(dst.isEmpty(), "a failed steal published tasks into the thief queue");
            return;
        }
        long prev = Long.MIN_VALUE;
        for (Task<?> t; (t = dst.pop()) != null; ) {
            check(t.id() > prev && t.id() < runNow.id(), "stolen batch out of order");
            prev = t.id();
            obtained[tid].add(t.id());
        }
        obtained[tid].add(runNow.id());
    }

    @Validate
    public void noTaskLostOrDuplicated() {
        int pushed = (int) nextId;
        int[] seen = new int[pushed];
        List<List<Long>> all = new ArrayList<>();
        all.add(ownerObtained);
        for (List<Long> l : obtained) {
            all.add(l);
        }
        for (List<Long> l : all) {
            for (long id : l) {
                seen[(int) id]++;
            }
        }
        long h = (long) LocalQueueHead.HEAD.getVolatile(queue);
        long t = (long) LocalQueueHead.TAIL.getVolatile(queue);
        check(t - h >= 0 && t - h <= queue.capacity(), "bad indices head=" + h + " tail=" + t);
        for (long i = h; i < t; i++) {
            seen[(int) queue.buffer[(int) i & queue.mask].id()]++;
        }
        for (int i = 0; i < pushed; i++) {
            check(seen[i] == 1, "task " + i + " seen " + seen[i] + " times (obtained " + all + ", queued ["
                    + h + ", " + t + "))");
        }
    }

    @Test
    void modelCheck() {
        new ModelCheckingOptions()
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(3)
                .actorsAfter(1)
                .iterations(6)
                .invocationsPerIteration(200)
                .check(getClass());
    }
}
