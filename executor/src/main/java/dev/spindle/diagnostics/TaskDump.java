package dev.spindle.diagnostics;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Every live task of a runtime at one moment ({@code SpindleRuntime.dump()}). {@link #toString()} is a table, stuck
 * tasks first: lost wakeups, throttled busy loops, tasks running for long, then the rest by idle time.
 *
 * @param runtime       the runtime's name
 * @param takenAt       when the dump was taken
 * @param tasks         the tasks, stuck first (see above)
 * @param queuedUnpolled live tasks spawned but not polled yet, sitting in run queues (counted, not listed: queues are
 *                      not walked while workers run)
 */
public record TaskDump(String runtime, Instant takenAt, List<TaskInfo> tasks, long queuedUnpolled) {

    /** The order of {@link #tasks()}: most likely stuck first. */
    public static final Comparator<TaskInfo> STUCK_FIRST = Comparator
            .comparingInt((TaskInfo t) -> rank(t.state()))
            .thenComparing(TaskInfo::idle, Comparator.reverseOrder())
            .thenComparingLong(TaskInfo::id);

    public TaskDump {
        List<TaskInfo> sorted = new ArrayList<>(tasks);
        sorted.sort(STUCK_FIRST);
        tasks = List.copyOf(sorted);
    }

    private static int rank(TaskInfo.State s) {
        return switch (s) {
            case LOST -> 0;
            case THROTTLED -> 1;
            case RUNNING -> 2;
            case BLOCKING -> 3;
            case SCHEDULED -> 4;
            case IDLE -> 5;
            case DONE -> 6;
        };
    }

    /** The task with this id, if it is in the dump. */
    public java.util.Optional<TaskInfo> task(long id) {
        return tasks.stream().filter(t -> t.id() == id).findFirst();
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        b.append("Spindle task dump of runtime '").append(runtime).append("' at ").append(takenAt).append(": ")
                .append(tasks.size()).append(" task(s) listed");
        if (queuedUnpolled > 0) {
            b.append(", ").append(queuedUnpolled).append(" more queued and not polled yet");
        }
        b.append('\n');
        b.append(String.format("%-8s %-9s %8s %8s %9s %9s %9s %8s  %s%n", "id", "state", "age", "idle", "polls",
                "no-prog", "self-wake", "busy", "task / waiting on / spawned at"));
        for (TaskInfo t : tasks) {
            TaskCounters c = t.counters();
            b.append(String.format("%-8s %-9s %8s %8s %9d %9d %9d %8s  %s%n", "#" + t.id(), t.state(), human(t.age()),
                    human(t.idle()), c.polls(), c.noProgressPolls(), c.selfWakes(), human(c.busy()),
                    (t.name() == null ? "" : "\"" + t.name() + "\" ") + t.typeChain()));
            if (t.waitingOn() != null) {
                b.append(String.format("%67s  waiting on %s%n", "", t.waitingOn()));
            }
            b.append(String.format("%67s  spawned at %s%n", "", t.spawnSite()));
        }
        return b.toString();
    }

    private static String human(Duration d) {
        long ms = d.toMillis();
        if (ms < 1) {
            return d.toNanos() / 1000 + "us";
        }
        if (ms < 10_000) {
            return ms + "ms";
        }
        if (ms < 600_000) {
            return ms / 1000 + "s";
        }
        return ms / 60_000 + "m";
    }
}
