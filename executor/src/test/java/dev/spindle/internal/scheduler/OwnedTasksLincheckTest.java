package dev.spindle.internal.scheduler;

import dev.spindle.internal.task.Task;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static dev.spindle.internal.scheduler.QueueTestTasks.check;
import static dev.spindle.internal.scheduler.QueueTestTasks.task;

/**
 * Lincheck model check of {@link OwnedTasks}, the one place an {@code IntrusiveList} is shared by threads that
 * race (workers registering and completing tasks, a closing thread): each thread adds and removes its own tasks
 * (a task is in the list at most once, as in the runtime), one may close the list, another walks it, and the
 * checker explores their interleavings under the shard monitors.
 *
 * <p>The shards are locked one at a time, so a walk or a close is not atomic across them and the operations are
 * not linearizable against a sequential spec; they return nothing, and {@link #listMatchesWhatEachThreadDid()}
 * (a {@code @Validate} function, run after each scenario) checks the invariant: the list holds exactly the tasks
 * whose add succeeded and that were not removed since, each once; removing them all through the back links leaves
 * it empty; a closed list refuses adds. With one worker there are four shards; the task ids are even, so every task
 * falls in one of two of them and the threads meet in the same lists, which grow to several tasks.
 */
@Tag("model")
@Param(name = "tid", gen = ThreadIdGen.class)
@Param(name = "k", gen = IntGen.class, conf = "0:2")
@Timeout(120)
public class OwnedTasksLincheckTest {
    private static final int MAX_THREADS = 8;
    private static final int PER_THREAD = 3;

    private final OwnedTasks owned = new OwnedTasks(1);
    /** Thread {@code t}'s task {@code k} is {@code tasks[t * PER_THREAD + k]}, with twice that as its id. */
    private final Task<?>[] tasks = new Task<?>[MAX_THREADS * PER_THREAD];
    /** Whether each task is in the list as far as its thread knows; written only by that thread. */
    private final boolean[] linked = new boolean[MAX_THREADS * PER_THREAD];
    private volatile boolean closed;
    private volatile boolean addSucceededAfterClose;

    public OwnedTasksLincheckTest() {
        for (int i = 0; i < tasks.length; i++) {
            tasks[i] = task(2L * i);
        }
    }

    @Operation
    public void add(@Param(name = "tid") int tid, @Param(name = "k") int k) {
        int i = tid * PER_THREAD + k;
        if (linked[i]) {
            return;
        }
        boolean wasClosed = closed;
        if (owned.add(tasks[i])) {
            linked[i] = true;
            if (wasClosed) {
                addSucceededAfterClose = true;
            }
        }
    }

    @Operation
    public void remove(@Param(name = "tid") int tid, @Param(name = "k") int k) {
        int i = tid * PER_THREAD + k;
        owned.remove(tasks[i]); // also for a task that is not in the list: the runtime does that
        linked[i] = false;
    }

    @Operation(nonParallelGroup = "close")
    public void close() {
        owned.close();
        closed = true;
    }

    @Operation
    public void walk() {
        int[] n = {0};
        owned.forEach(t -> n[0]++);
        check(n[0] <= tasks.length, "the walk found " + n[0] + " tasks");
    }

    @Validate
    public void listMatchesWhatEachThreadDid() {
        check(!addSucceededAfterClose, "an add succeeded after close() returned");
        int[] seen = new int[tasks.length];
        owned.forEach(t -> seen[(int) t.id() / 2]++);
        List<Integer> wrong = new ArrayList<>();
        for (int i = 0; i < tasks.length; i++) {
            if (seen[i] != (linked[i] ? 1 : 0)) {
                wrong.add(i);
            }
        }
        check(wrong.isEmpty(), "tasks listed the wrong number of times: " + wrong);
        int expected = 0;
        for (boolean l : linked) {
            expected += l ? 1 : 0;
        }
        // Newest first (a shard adds at its front, and a thread adds its tasks in order), so each unlink of a
        // list's head goes through the next task's prev link; the walk after each one must see one task fewer.
        for (int i = tasks.length - 1; i >= 0; i--) {
            owned.remove(tasks[i]);
            expected -= linked[i] ? 1 : 0;
            int[] left = {0};
            owned.forEach(t -> left[0]++);
            check(left[0] == expected, left[0] + " tasks listed after removing task " + i + ", expected " + expected);
        }
    }

    @Test
    void modelCheck() {
        new ModelCheckingOptions()
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(1)
                .iterations(8)
                .invocationsPerIteration(200)
                .check(getClass());
    }
}
