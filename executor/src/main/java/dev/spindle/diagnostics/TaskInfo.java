package dev.spindle.diagnostics;

import java.time.Duration;

/**
 * What the runtime knows about one task, as reported by the detectors and {@code SpindleRuntime.dump()}.
 *
 * @param id         the task's id (unique in its runtime)
 * @param name       the name given at spawn, or null
 * @param typeChain  the future's type chain, e.g. {@code DuplexCopy<LeakyTlsReader>} (see {@link Described})
 * @param spawnSite  where it was spawned: the caller's frame, or the full stack if the runtime captures stacks
 * @param state      what it is doing now
 * @param counters   its counters
 * @param age        since it was spawned
 * @param idle       since its last poll ended (zero while running)
 * @param waitingOn  what its last poll said it waits for, where Spindle knows (a timer, a socket and direction, a
 *                   channel, a join handle), else null
 */
public record TaskInfo(long id, String name, String typeChain, String spawnSite, State state, TaskCounters counters,
                       Duration age, Duration idle, String waitingOn) {

    /** A task's state as the dump sees it. */
    public enum State {
        /** Being polled now. */
        RUNNING,
        /** In a run queue, waiting for a worker. */
        SCHEDULED,
        /** Waiting for a wake. */
        IDLE,
        /** Caught by the busy-loop detector and throttled. */
        THROTTLED,
        /** Reported as a lost wakeup: returned Pending without taking its waker, not woken since. */
        LOST,
        /** A {@code spawnBlocking} body running on its own virtual thread. */
        BLOCKING,
        /** Finished (only seen in a report made as it completed). */
        DONE
    }

    /** {@code #id "name" TypeChain}, for reports. */
    public String label() {
        return "#" + id + (name == null ? "" : " \"" + name + "\"") + " " + typeChain;
    }
}
