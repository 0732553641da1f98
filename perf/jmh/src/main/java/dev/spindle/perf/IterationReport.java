package dev.spindle.perf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Per-iteration view of a JMH run: reads JMH's human-readable log (what {@code java -jar benchmarks.jar ... 2>&1
 * | tee results.txt} saved) and prints one tab-separated row per iteration, warm-up included: benchmark, fork,
 * iteration, score, unit, and for Spindle methods the worker counters {@link SpindleState} printed for that
 * iteration ({@link SpindleIterationMetrics}). A bimodal benchmark shows up as two groups of scores, and the
 * counters next to them say what differed (steals, parks, overflow, the polls of each worker).
 *
 * <pre>
 * java -cp perf/target/benchmarks.jar dev.spindle.perf.IterationReport results.txt [metrics-file...]
 * </pre>
 *
 * Extra files hold metrics lines written with {@code -Dspindle.perf.iterationMetrics=FILE}. A metrics line names
 * its benchmark and iteration but not its fork: the k-th line for a (benchmark, iteration) goes to the k-th fork
 * of that benchmark, in the order of the files and lines.
 */
public final class IterationReport {
    private static final Pattern BENCHMARK = Pattern.compile("^# Benchmark: (\\S+)");
    private static final Pattern FORK = Pattern.compile("^# Fork: (\\d+) of \\d+");
    private static final Pattern ITERATION = Pattern.compile("^(# Warmup Iteration|Iteration)\\s+(\\d+):(.*)$");
    private static final Pattern SCORE = Pattern.compile("^\\s*(-?[0-9][0-9,]*(?:\\.[0-9]+)?|NaN)\\s+(\\S+)");

    /** One iteration of one fork. {@code metrics} is null when no line was found (not a Spindle method). */
    record Row(String bench, int fork, String iter, String score, String unit, Map<String, String> metrics) {
    }

    private IterationReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: IterationReport JMH-LOG [METRICS-FILE...]");
            System.exit(2);
        }
        List<String> log = Files.readAllLines(Path.of(args[0]));
        List<String> extra = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            extra.addAll(Files.readAllLines(Path.of(args[i])));
        }
        for (String line : format(parse(log, extra))) {
            System.out.println(line);
        }
    }

    /** Parses a JMH log (and metrics lines from elsewhere) into rows, in the log's order. */
    static List<Row> parse(List<String> log, List<String> extraMetricsLines) {
        List<Row> rows = new ArrayList<>();
        List<String> metricsLines = new ArrayList<>();
        String bench = null;
        int fork = 1;
        String pendingIter = null; // an "Iteration N:" whose score is on a later line
        for (String line : log) {
            Matcher m;
            if (line.startsWith(SpindleIterationMetrics.PREFIX)) {
                metricsLines.add(line);
            } else if ((m = BENCHMARK.matcher(line)).find()) {
                bench = SpindleState.shortName(m.group(1));
                fork = 1;
                pendingIter = null;
            } else if ((m = FORK.matcher(line)).find()) {
                fork = Integer.parseInt(m.group(1));
                pendingIter = null;
            } else if (bench != null && (m = ITERATION.matcher(line)).find()) {
                String iter = (m.group(1).startsWith("#") ? "warmup-" : "measurement-") + m.group(2);
                String rest = m.group(3);
                int metricsAt = rest.indexOf(SpindleIterationMetrics.PREFIX);
                if (metricsAt >= 0) { // a metrics line printed without its leading newline
                    metricsLines.add(rest.substring(metricsAt));
                    rest = rest.substring(0, metricsAt);
                }
                Matcher score = SCORE.matcher(rest);
                if (score.find()) {
                    rows.add(new Row(bench, fork, iter, score.group(1).replace(",", ""), score.group(2), null));
                    pendingIter = null;
                } else {
                    pendingIter = iter;
                }
            } else if (pendingIter != null) {
                Matcher score = SCORE.matcher(line);
                if (score.find()) {
                    rows.add(new Row(bench, fork, pendingIter, score.group(1).replace(",", ""), score.group(2), null));
                    pendingIter = null;
                }
            }
        }
        metricsLines.addAll(extraMetricsLines);
        return attach(rows, metricsLines);
    }

    /** Gives the k-th metrics line of (bench, iter) to the k-th row of (bench, iter). */
    private static List<Row> attach(List<Row> rows, List<String> metricsLines) {
        Map<String, List<Map<String, String>>> byKey = new HashMap<>();
        for (String line : metricsLines) {
            if (!line.startsWith(SpindleIterationMetrics.PREFIX)) {
                continue;
            }
            Map<String, String> fields = fields(line);
            byKey.computeIfAbsent(fields.get("bench") + " " + fields.get("iter"), k -> new ArrayList<>()).add(fields);
        }
        Map<String, Integer> used = new HashMap<>();
        List<Row> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            String key = r.bench() + " " + r.iter();
            List<Map<String, String>> candidates = byKey.getOrDefault(key, List.of());
            int k = used.merge(key, 1, Integer::sum) - 1;
            out.add(k < candidates.size() ? new Row(r.bench(), r.fork(), r.iter(), r.score(), r.unit(), candidates.get(k)) : r);
        }
        return out;
    }

    /** The {@code key=value} fields of a metrics line, in order. */
    static Map<String, String> fields(String line) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String token : line.substring(SpindleIterationMetrics.PREFIX.length()).trim().split("\\s+")) {
            int eq = token.indexOf('=');
            if (eq > 0) {
                fields.put(token.substring(0, eq), token.substring(eq + 1));
            }
        }
        return fields;
    }

    /** A header and one tab-separated line per row; empty counter columns for rows without metrics. */
    static List<String> format(List<Row> rows) {
        List<String> out = new ArrayList<>();
        out.add("benchmark\tfork\titeration\tscore\tunit\t" + String.join("\t", SpindleIterationMetrics.FIELDS));
        for (Row r : rows) {
            StringBuilder b = new StringBuilder()
                    .append(r.bench()).append('\t').append(r.fork()).append('\t').append(r.iter()).append('\t')
                    .append(r.score()).append('\t').append(r.unit());
            for (String f : SpindleIterationMetrics.FIELDS) {
                b.append('\t');
                if (r.metrics() != null) {
                    b.append(r.metrics().getOrDefault(f, ""));
                }
            }
            out.add(b.toString());
        }
        return out;
    }
}
