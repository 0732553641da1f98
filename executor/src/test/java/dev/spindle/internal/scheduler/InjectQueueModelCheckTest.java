package dev.spindle.internal.scheduler;

import dev.spindle.internal.task.Task;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static dev.spindle.internal.scheduler.QueueTestTasks.check;
import static dev.spindle.internal.scheduler.QueueTestTasks.task;
import static dev.spindle.testkit.ModelChecks.join;

/**
 * Lincheck model checks of the real {@link InjectQueue} (the JCTools MPSC queue behind a consumer lock) fed
 * by a real {@link LocalQueue} of capacity 2 that overflows into it ({@link InjectQueue#spill}, JCTools'
 * {@code fill}) and by foreign pushes, while consumers take batches into their own capacity-2 local queues
 * ({@link InjectQueue#popBatch}, which itself spills back into the inject queue when the batch does not fit)
 * or single tasks ({@link InjectQueue#pop}). Every task must be obtained exactly once: nothing lost, nothing
 * duplicated.
 */
@Tag("model")
@Timeout(120)
class InjectQueueModelCheckTest {
    private static final int INVOCATIONS = 150;

    /** A consumer: one popBatch into its own tiny queue, drained at once, then one pop. */
    private static void consume(InjectQueue inject, List<Long> got) {
        LocalQueue mine = new LocalQueue(2);
        Task<?> first = inject.popBatch(3, mine, inject); // max 3 > capacity 2: the batch may spill back
        if (first != null) {
            got.add(first.id());
        }
        for (Task<?> t; (t = mine.pop()) != null; ) {
            got.add(t.id());
        }
        Task<?> one = inject.pop();
        if (one != null) {
            got.add(one.id());
        }
    }

    /** Tasks 0..n-1 must each appear exactly once in the lists plus what is left in the inject queue. */
    private static void checkExactlyOnce(int n, InjectQueue inject, List<List<Long>> lists) {
        int[] seen = new int[n];
        List<Long> rest = new ArrayList<>();
        for (Task<?> t; (t = inject.pop()) != null; ) {
            rest.add(t.id());
        }
        List<List<Long>> all = new ArrayList<>(lists);
        all.add(rest);
        for (List<Long> l : all) {
            for (long id : l) {
                check(id >= 0 && id < n, "unknown task " + id);
                seen[(int) id]++;
            }
        }
        for (int i = 0; i < n; i++) {
            check(seen[i] == 1, "task " + i + " obtained " + seen[i] + " times: " + all);
        }
        check(inject.isEmpty() && inject.size() == 0, "inject queue not empty after draining");
    }

    /**
     * A worker pushes three tasks into its capacity-2 local queue (the third push spills one plus the new
     * task), a foreign thread pushes one, a consumer takes a batch and a task.
     */
    @Test
    void spillAndPushRacingPopBatch() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            InjectQueue inject = new InjectQueue();
            LocalQueue local = new LocalQueue(2);
            List<Long> ownerGot = new ArrayList<>();
            List<Long> consumerGot = new ArrayList<>();
            int[] spilled = new int[1];
            Thread owner = new Thread(() -> {
                for (int i = 0; i < 3; i++) {
                    spilled[0] += local.push(task(i), inject);
                }
                for (Task<?> t; (t = local.pop()) != null; ) {
                    ownerGot.add(t.id());
                }
            });
            Thread foreign = new Thread(() -> inject.push(task(3)));
            Thread consumer = new Thread(() -> consume(inject, consumerGot));
            owner.start();
            foreign.start();
            consumer.start();
            join(owner);
            join(foreign);
            join(consumer);
            check(spilled[0] == 2, "the third push into a full queue of 2 spills 1 + 1, spilled " + spilled[0]);
            checkExactlyOnce(4, inject, List.of(ownerGot, consumerGot));
        });
    }

    /** Two consumers (the consumer lock makes the MPSC queue single-consumer) race one producer's spill. */
    @Test
    void twoConsumersRacingSpill() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            InjectQueue inject = new InjectQueue();
            inject.push(task(0));
            inject.push(task(1));
            Task<?>[] buffer = {task(2), task(3)};
            List<Long> got1 = new ArrayList<>();
            List<Long> got2 = new ArrayList<>();
            Thread producer = new Thread(() -> inject.spill(buffer, 1, 1, 1, task(4))); // slot 1 (task 3), then 4
            Thread c1 = new Thread(() -> consume(inject, got1));
            Thread c2 = new Thread(() -> consume(inject, got2));
            producer.start();
            c1.start();
            c2.start();
            join(producer);
            join(c1);
            join(c2);
            // task 2 (buffer slot 0) was not part of the spill
            int[] seen = new int[5];
            List<Long> rest = new ArrayList<>();
            for (Task<?> t; (t = inject.pop()) != null; ) {
                rest.add(t.id());
            }
            for (List<Long> l : List.of(got1, got2, rest)) {
                for (long id : l) {
                    seen[(int) id]++;
                }
            }
            for (int i : new int[] {0, 1, 3, 4}) {
                check(seen[i] == 1, "task " + i + " obtained " + seen[i] + " times: " + got1 + " " + got2 + " " + rest);
            }
            check(seen[2] == 0, "task 2 was not spilled but was obtained");
        });
    }
}
