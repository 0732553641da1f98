package dev.spindle.diagnostics;

import java.time.Duration;
import java.util.List;

/**
 * A poll that held its worker longer than the slow-poll threshold: a blocking call ({@code Thread.sleep}, JDBC, a
 * DNS lookup) or a long computation inside {@code poll}. Reported at the threshold and again if it goes on (at ten
 * times the threshold, then every 10 s).
 *
 * @param runtime  the runtime's name
 * @param task     the task being polled
 * @param worker   the worker thread's name
 * @param duration how long the poll had run when the stack was sampled
 * @param stack    the worker's stack, sampled during the poll
 */
public record SlowPoll(String runtime, TaskInfo task, String worker, Duration duration, List<StackTraceElement> stack)
        implements DiagnosticEvent {

    public SlowPoll {
        stack = List.copyOf(stack);
    }

    @Override
    public String message() {
        StringBuilder b = new StringBuilder();
        b.append("slow poll: task ").append(task.label()).append(" has held worker ").append(worker).append(" for ")
                .append(duration.toMillis()).append(" ms in one poll; no other task runs on that worker meanwhile. ")
                .append("Spawned at ").append(task.spawnSite()).append(". Move blocking calls to spawnBlocking and ")
                .append("split long computations with Futures.yieldNow(). The worker's stack during the poll:");
        int shown = 0;
        for (StackTraceElement e : stack) {
            b.append("\n\tat ").append(e);
            if (++shown == 40) {
                b.append("\n\t... ").append(stack.size() - shown).append(" more");
                break;
            }
        }
        return b.toString();
    }
}
