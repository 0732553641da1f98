package dev.spindle.perf;

import dev.spindle.RuntimeMetrics;
import dev.spindle.WorkerMetrics;

import java.util.List;

/**
 * The Spindle worker counters of one benchmark iteration, as one line of text: the deltas, between the start
 * and the end of the iteration, of the counters that explain a slow or bimodal iteration (polls, per worker too;
 * steals; parks and wake-ups; overflow to the inject queue; LIFO-slot polls; forced yields; timers fired).
 * {@link SpindleState} prints one such line per iteration (warm-up and measurement) to stderr, after the
 * iteration has ended: nothing is printed while JMH measures. {@link IterationReport} joins the lines with the
 * scores of a JMH log.
 *
 * <p>The line format is {@value #PREFIX} followed by {@code key=value} fields separated by single spaces:
 * {@code bench}, {@code iter} ({@code warmup-N} or {@code measurement-N}, counted per fork), then the counters;
 * {@code polls.w} is the polls of each worker joined by {@code /}.
 */
record SpindleIterationMetrics(long spawned, long polls, long[] pollsPerWorker, long lifoPolls, long steals,
                               long stolenTasks, long parks, long unparks, long overflowed, long forcedYields,
                               long timersFired) {
    static final String PREFIX = "[spindle-metrics]";

    /** The counter fields of a line, in order (after {@code bench} and {@code iter}). */
    static final List<String> FIELDS = List.of("spawned", "polls", "polls.w", "lifo", "steals", "stolen", "parks",
            "unparks", "overflow", "forcedYields", "timersFired");

    /** The runtime's counters now (summed over its workers). */
    static SpindleIterationMetrics of(RuntimeMetrics m) {
        List<WorkerMetrics> ws = m.perWorker();
        long[] perWorker = new long[ws.size()];
        long lifo = 0, steals = 0, stolen = 0, parks = 0, unparks = 0, overflow = 0, forced = 0, timers = 0;
        for (int i = 0; i < perWorker.length; i++) {
            WorkerMetrics w = ws.get(i);
            perWorker[i] = w.polls();
            lifo += w.lifoPolls();
            steals += w.steals();
            stolen += w.stolenTasks();
            parks += w.parks();
            unparks += w.unparks();
            overflow += w.overflowed();
            forced += w.forcedYields();
            timers += w.timersFired();
        }
        long polls = 0;
        for (long p : perWorker) {
            polls += p;
        }
        return new SpindleIterationMetrics(m.spawned(), polls, perWorker, lifo, steals, stolen, parks, unparks,
                overflow, forced, timers);
    }

    /** What happened between {@code earlier} and this snapshot. */
    SpindleIterationMetrics minus(SpindleIterationMetrics earlier) {
        long[] perWorker = pollsPerWorker.clone();
        for (int i = 0; i < perWorker.length && i < earlier.pollsPerWorker.length; i++) {
            perWorker[i] -= earlier.pollsPerWorker[i];
        }
        return new SpindleIterationMetrics(spawned - earlier.spawned, polls - earlier.polls, perWorker,
                lifoPolls - earlier.lifoPolls, steals - earlier.steals, stolenTasks - earlier.stolenTasks,
                parks - earlier.parks, unparks - earlier.unparks, overflowed - earlier.overflowed,
                forcedYields - earlier.forcedYields, timersFired - earlier.timersFired);
    }

    /** The values of {@link #FIELDS}, in order, as printed. */
    List<String> values() {
        StringBuilder w = new StringBuilder();
        for (int i = 0; i < pollsPerWorker.length; i++) {
            if (i > 0) {
                w.append('/');
            }
            w.append(pollsPerWorker[i]);
        }
        return List.of(Long.toString(spawned), Long.toString(polls), w.toString(), Long.toString(lifoPolls),
                Long.toString(steals), Long.toString(stolenTasks), Long.toString(parks), Long.toString(unparks),
                Long.toString(overflowed), Long.toString(forcedYields), Long.toString(timersFired));
    }

    /** The line printed for iteration {@code iter} of benchmark {@code bench}. */
    String line(String bench, String iter) {
        StringBuilder b = new StringBuilder(PREFIX).append(" bench=").append(bench).append(" iter=").append(iter);
        List<String> values = values();
        for (int i = 0; i < FIELDS.size(); i++) {
            b.append(' ').append(FIELDS.get(i)).append('=').append(values.get(i));
        }
        return b.toString();
    }
}
