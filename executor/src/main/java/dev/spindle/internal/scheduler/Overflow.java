package dev.spindle.internal.scheduler;

import dev.spindle.internal.task.Task;

/**
 * Where a full {@link LocalQueue} spills half of its tasks: the inject queue, which takes the whole batch
 * with one claim on its producer index. Functional, so tests can collect spilled tasks with a lambda.
 */
@FunctionalInterface
public interface Overflow {

    /** Takes one task. */
    void accept(Task<?> task);

    /**
     * Takes {@code buffer[(from + i) & mask]} for {@code i < n}, then {@code extra}. The slots stay unchanged
     * during the call (they belong to the calling owner, see {@link LocalQueue#push}).
     */
    default void spill(Task<?>[] buffer, long from, int n, int mask, Task<?> extra) {
        for (int i = 0; i < n; i++) {
            accept(buffer[(int) (from + i) & mask]);
        }
        accept(extra);
    }
}
