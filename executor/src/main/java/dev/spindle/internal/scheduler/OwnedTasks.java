package dev.spindle.internal.scheduler;

import dev.spindle.internal.task.Task;
import dev.spindle.internal.util.IntrusiveList;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The tasks of a runtime that are waiting for a wake, so that closing it can cancel them all (Tokio's
 * {@code OwnedTasks}).
 *
 * <p>Only tasks whose first poll returned Pending are here: a task joins when that poll ends, while still
 * RUNNING, and leaves when it completes (see "Lazy registration" in {@code Task}). Spawning does not touch the
 * list, and a task that is ready on its first poll never does; a task that was never polled is cancelled by
 * its first poll instead ({@link Scheduler#admitFirstPoll}). So this is not the count of live tasks: that
 * comes from the spawn and completion counters ({@code Scheduler.liveTasks}).
 *
 * <p>Tasks are linked intrusively (a task is its own {@link IntrusiveList.Node}) into one of several shards, chosen by
 * task id, each guarded by its own monitor: spawning and completing on different workers rarely contend.
 * {@link #close()} marks every shard closed under its lock, after which {@link #add} refuses: no task can
 * slip in after the shutdown sweep has passed its shard.
 */
final class OwnedTasks {
    private static final class Shard {
        /** The shard's tasks; guarded by the shard's monitor, like {@code closed}. */
        final IntrusiveList<Task<?>> tasks = new IntrusiveList<>();
        boolean closed;
    }

    private final Shard[] shards;
    private final int mask;

    OwnedTasks(int workers) {
        int n = Integer.highestOneBit(Math.max(1, workers) * 4 - 1) << 1;
        shards = new Shard[n];
        for (int i = 0; i < n; i++) {
            shards[i] = new Shard();
        }
        mask = n - 1;
    }

    /** Adds a task; false if closed. */
    boolean add(Task<?> t) {
        Shard s = shards[(int) t.id() & mask];
        synchronized (s) {
            if (s.closed) {
                return false;
            }
            s.tasks.addFirst(t);
            return true;
        }
    }

    void remove(Task<?> t) {
        Shard s = shards[(int) t.id() & mask];
        synchronized (s) {
            if (s.tasks.contains(t)) { // a task in no list has nothing to leave
                s.tasks.remove(t);
            }
        }
    }

    /** Refuses further adds. */
    void close() {
        for (Shard s : shards) {
            synchronized (s) {
                s.closed = true;
            }
        }
    }

    /** Calls {@code action} on a snapshot of the live tasks (outside the shard locks). */
    void forEach(Consumer<Task<?>> action) {
        List<Task<?>> snapshot = new ArrayList<>();
        for (Shard s : shards) {
            synchronized (s) {
                for (Task<?> t = s.tasks.first(); t != null; t = s.tasks.next(t)) {
                    snapshot.add(t);
                }
            }
        }
        snapshot.forEach(action);
    }
}
