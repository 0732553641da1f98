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
 * Loom-style model checks of {@link LocalQueue} at capacity 4 (after Tokio's
 * {@code runtime/tests/loom_multi_thread/queue.rs}), run by Lincheck's general-purpose model checker, which
 * explores thread interleavings at every shared-memory access of the queue (and reports a failing one with
 * a trace).
 *
 * <p>Invariants checked after every explored interleaving: every pushed task is obtained exactly once,
 * through the owner's pop, a steal (the returned task or the ones moved into the thief's queue) or the
 * overflow consumer; no task is lost or duplicated. Each steal also checks its batch: the tasks moved
 * into the thief's queue come out of it in push order, and all precede the task returned to run now.
 */
@Tag("model")
@Timeout(120)
class LocalQueueModelCheckTest {
    private static final int INVOCATIONS = 250;

    /** Per-party log of the ids it obtained; each list is written by one thread, read after join. */
    private static final class Obtained {
        final List<Long> ids = new ArrayList<>();

        void add(Task<?> t) {
            if (t != null) {
                ids.add(t.id());
            }
        }
    }

    /**
     * Thief side: steals from {@code victim} into its own empty {@code dst}, then drains {@code dst}. Checks
     * the batch shape. Returns the number of tasks obtained.
     */
    private static int stealAndDrain(LocalQueue victim, LocalQueue dst, Obtained into) {
        check(dst.isEmpty(), "thief queue must be empty before a steal");
        Task<?> runNow = victim.stealInto(dst);
        if (runNow == null) {
            check(dst.isEmpty(), "a failed steal must not publish tasks into the thief queue");
            return 0;
        }
        int n = 1;
        long prev = Long.MIN_VALUE;
        for (Task<?> t; (t = dst.pop()) != null; n++) {
            check(t.id() > prev, "stolen batch out of order: " + t.id() + " after " + prev);
            check(t.id() < runNow.id(), "moved task " + t.id() + " is newer than the returned " + runNow.id());
            prev = t.id();
            into.add(t);
        }
        into.add(runNow);
        return n;
    }

    /** Checks that the union of all logs is exactly {0, …, pushed-1}, each once. */
    private static void checkExactlyOnce(int pushed, Obtained... logs) {
        int[] seen = new int[pushed];
        StringBuilder all = new StringBuilder();
        for (Obtained o : logs) {
            all.append(o.ids).append(' ');
            for (long id : o.ids) {
                check(id >= 0 && id < pushed, "unknown task id " + id);
                seen[(int) id]++;
            }
        }
        for (int i = 0; i < pushed; i++) {
            check(seen[i] == 1, "task " + i + " obtained " + seen[i] + " times; logs: " + all);
        }
    }

    /**
     * Owner pushes 6 tasks (overflowing the capacity-4 queue) and pops between pushes, while one thief
     * steals twice. Then the owner drains.
     */
    @Test
    void ownerPushPopRacingOneThief() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            LocalQueue q = new LocalQueue(4);
            LocalQueue thiefQ = new LocalQueue(4);
            Obtained owner = new Obtained();
            Obtained overflow = new Obtained();
            Obtained thief = new Obtained();
            Task<?>[] tasks = new Task<?>[6];
            for (int i = 0; i < tasks.length; i++) {
                tasks[i] = task(i);
            }
            Thread th = new Thread(() -> {
                stealAndDrain(q, thiefQ, thief);
                stealAndDrain(q, thiefQ, thief);
            });
            th.start();
            for (int i = 0; i < tasks.length; i++) {
                q.push(tasks[i], overflow::add);
                if (i % 3 == 2) {
                    owner.add(q.pop());
                }
            }
            join(th);
            for (Task<?> t; (t = q.pop()) != null; ) {
                owner.add(t);
            }
            checkExactlyOnce(tasks.length, owner, overflow, thief);
        });
    }

    /** A full queue: the owner's overflow (moving half to the inject queue) races two thieves. */
    @Test
    void overflowRacingTwoThieves() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            LocalQueue q = new LocalQueue(4);
            Obtained owner = new Obtained();
            Obtained overflow = new Obtained();
            Obtained thief1 = new Obtained();
            Obtained thief2 = new Obtained();
            for (int i = 0; i < 4; i++) {
                q.push(task(i), overflow::add); // fills it before the thieves start
            }
            Task<?> fifth = task(4);
            Task<?> sixth = task(5);
            Thread t1 = new Thread(() -> stealAndDrain(q, new LocalQueue(4), thief1));
            Thread t2 = new Thread(() -> stealAndDrain(q, new LocalQueue(4), thief2));
            t1.start();
            t2.start();
            q.push(fifth, overflow::add);
            q.push(sixth, overflow::add);
            owner.add(q.pop());
            join(t1);
            join(t2);
            for (Task<?> t; (t = q.pop()) != null; ) {
                owner.add(t);
            }
            checkExactlyOnce(6, owner, overflow, thief1, thief2);
        });
    }

    /**
     * Chained steal: thief A steals from the owner's queue into its own, while thief B steals from A's
     * queue (the publication of the moved slots by A's tail store) and the owner pops.
     */
    @Test
    void chainedSteal() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            LocalQueue q = new LocalQueue(4);
            LocalQueue qa = new LocalQueue(4);
            LocalQueue qb = new LocalQueue(4);
            Obtained owner = new Obtained();
            Obtained overflow = new Obtained();
            Obtained a = new Obtained();
            Obtained b = new Obtained();
            for (int i = 0; i < 4; i++) {
                q.push(task(i), overflow::add);
            }
            Thread ta = new Thread(() -> {
                Task<?> runNow = q.stealInto(qa); // keeps the moved tasks in qa, visible to B
                a.add(runNow);
                for (Task<?> t; (t = qa.pop()) != null; ) {
                    a.add(t);
                }
            });
            Thread tb = new Thread(() -> stealAndDrain(qa, qb, b));
            ta.start();
            tb.start();
            owner.add(q.pop());
            join(ta);
            join(tb);
            for (Task<?> t; (t = q.pop()) != null; ) {
                owner.add(t);
            }
            checkExactlyOnce(4, owner, overflow, a, b);
        });
    }

    /** Wrap-around: the owner keeps pushing and popping past the capacity while a thief steals. */
    @Test
    void wrapAroundWithThief() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            LocalQueue q = new LocalQueue(4);
            Obtained owner = new Obtained();
            Obtained overflow = new Obtained();
            Obtained thief = new Obtained();
            Task<?>[] tasks = new Task<?>[7];
            for (int i = 0; i < tasks.length; i++) {
                tasks[i] = task(i);
            }
            for (int i = 0; i < 3; i++) {
                q.push(tasks[i], overflow::add);
            }
            Thread th = new Thread(() -> stealAndDrain(q, new LocalQueue(4), thief));
            th.start();
            owner.add(q.pop());
            owner.add(q.pop());
            for (int i = 3; i < tasks.length; i++) {
                q.push(tasks[i], overflow::add);
            }
            owner.add(q.pop());
            join(th);
            for (Task<?> t; (t = q.pop()) != null; ) {
                owner.add(t);
            }
            checkExactlyOnce(tasks.length, owner, overflow, thief);
        });
    }
}
