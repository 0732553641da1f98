package dev.spindle.faults;

import dev.spindle.Future;
import dev.spindle.Poll;

/** Futures the fault tests keep workers busy with. */
final class FaultTierFutures {
    private FaultTierFutures() {
    }

    /** Yields until {@code done} says so, then completes with the number of polls. */
    static Future<Integer> yieldUntil(java.util.function.BooleanSupplier done) {
        int[] polls = {0};
        return cx -> {
            polls[0]++;
            if (done.getAsBoolean()) {
                return Poll.ready(polls[0]);
            }
            cx.waker().wake();
            return Poll.pending();
        };
    }
}
