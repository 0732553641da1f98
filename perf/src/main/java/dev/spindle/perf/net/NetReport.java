package dev.spindle.perf.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Turns the raw results of {@code perf/net/run.sh} (one tab-separated line per server run) into the markdown
 * tables of the report: per shape, each server's median over the rounds, and the ratio Spindle ÷ best peer,
 * where the best peer is the better of Netty and blocking + virtual threads for that column (highest
 * requests/s; lowest latency, CPU and memory).
 *
 * <p>Input lines, written by the script:
 * <pre>
 * load  SHAPE KIND ROUND rps p50_us p99_us server_cpu_pct client_cpu_pct errors
 * idle  SHAPE KIND ROUND open rss_before_kb rss_after_kb heap_before_kb heap_after_kb cpu_pct closed
 * fail  SHAPE KIND ROUND reason
 * </pre>
 * Medians are taken column by column (with two rounds, the mean of the two), so a row need not be any single
 * round; the raw file keeps every round for whoever wants to look closer.
 */
public final class NetReport {
    private static final String SPINDLE = "spindle";
    private static final List<String> KINDS = List.of(SPINDLE, "netty", "blocking-vt");
    private static final Map<String, String> NAMES = Map.of(
            SPINDLE, "Spindle", "netty", "Netty (NIO)", "blocking-vt", "blocking + virtual threads");

    private NetReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: NetReport RAW_RESULTS_TSV");
            System.exit(2);
        }
        Map<String, Map<String, List<String[]>>> load = new LinkedHashMap<>();
        Map<String, Map<String, List<String[]>>> idle = new LinkedHashMap<>();
        List<String> failures = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t");
            switch (f[0]) {
                case "load" -> load.computeIfAbsent(f[1], k -> new LinkedHashMap<>())
                        .computeIfAbsent(f[2], k -> new ArrayList<>()).add(f);
                case "idle" -> idle.computeIfAbsent(f[1], k -> new LinkedHashMap<>())
                        .computeIfAbsent(f[2], k -> new ArrayList<>()).add(f);
                case "fail" -> failures.add(String.format("%s, %s, round %s: %s", f[1], name(f[2]), f[3],
                        f.length > 4 ? f[4] : "?"));
                default -> throw new IllegalArgumentException("unknown result line: " + line);
            }
        }
        StringBuilder out = new StringBuilder();
        if (!load.isEmpty()) {
            summary(out, load, "Requests/s (higher is better)", f -> num(f[4]), true);
            summary(out, load, "p99 latency in µs (lower is better)", f -> num(f[6]), false);
            for (var shape : load.entrySet()) {
                loadDetail(out, shape.getKey(), shape.getValue());
            }
        }
        for (var shape : idle.entrySet()) {
            idleDetail(out, shape.getKey(), shape.getValue());
        }
        if (!failures.isEmpty()) {
            out.append("\n**Failed runs** (left out of the medians):\n\n");
            for (String f : failures) {
                out.append("- ").append(f).append('\n');
            }
        }
        System.out.print(out);
    }

    private static void summary(StringBuilder out, Map<String, Map<String, List<String[]>>> load, String title,
            ToDoubleFunction<String[]> metric, boolean higherIsBetter) {
        out.append("\n### ").append(title).append(", median of rounds\n\n| shape |");
        for (String k : KINDS) {
            out.append(' ').append(name(k)).append(" |");
        }
        out.append(" best peer | Spindle ÷ best peer |\n| --- |");
        out.append(" ---: |".repeat(KINDS.size())).append(" --- | ---: |\n");
        for (var shape : load.entrySet()) {
            out.append("| ").append(describe(shape.getKey())).append(" |");
            double[] medians = new double[KINDS.size()];
            for (int i = 0; i < KINDS.size(); i++) {
                medians[i] = median(shape.getValue().get(KINDS.get(i)), metric);
                out.append(' ').append(fmt(medians[i])).append(" |");
            }
            int best = bestPeer(medians, higherIsBetter);
            out.append(' ').append(best < 0 ? "–" : name(KINDS.get(best))).append(" | ")
                    .append(best < 0 ? "–" : ratio(medians[0], medians[best])).append(" |\n");
        }
    }

    private static void loadDetail(StringBuilder out, String shape, Map<String, List<String[]>> byKind) {
        out.append("\n#### ").append(describe(shape)).append(" (").append(shape).append(")\n\n")
                .append("| server | rounds | req/s | p50 µs | p99 µs | server CPU % of a core | server CPU µs/req"
                        + " | client CPU % | errors |\n")
                .append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        List<ToDoubleFunction<String[]>> metrics = List.of(
                f -> num(f[4]), f -> num(f[5]), f -> num(f[6]), f -> num(f[7]),
                f -> num(f[4]) > 0 ? num(f[7]) / 100 * 1e6 / num(f[4]) : Double.NaN,
                f -> num(f[8]), f -> num(f[9]));
        boolean[] higherIsBetter = {true, false, false, false, false, false, false};
        double[][] medians = new double[KINDS.size()][metrics.size()];
        for (int k = 0; k < KINDS.size(); k++) {
            List<String[]> rows = byKind.get(KINDS.get(k));
            out.append("| ").append(name(KINDS.get(k))).append(" | ").append(rows == null ? 0 : rows.size());
            for (int m = 0; m < metrics.size(); m++) {
                medians[k][m] = median(rows, metrics.get(m));
                out.append(" | ").append(fmt(medians[k][m]));
            }
            out.append(" |\n");
        }
        ratioRow(out, medians, higherIsBetter, metrics.size() - 2, 1);
    }

    private static void idleDetail(StringBuilder out, String shape, Map<String, List<String[]>> byKind) {
        out.append("\n#### ").append(describe(shape)).append(" (").append(shape).append(")\n\n")
                .append("| server | rounds | connections open | RSS before MiB | RSS after MiB | RSS B/conn"
                        + " | live heap B/conn | CPU % of a core | closed by server |\n")
                .append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        List<ToDoubleFunction<String[]>> metrics = List.of(
                f -> num(f[4]), f -> num(f[5]) / 1024, f -> num(f[6]) / 1024,
                f -> num(f[4]) > 0 ? (num(f[6]) - num(f[5])) * 1024 / num(f[4]) : Double.NaN,
                f -> num(f[4]) > 0 ? (num(f[8]) - num(f[7])) * 1024 / num(f[4]) : Double.NaN,
                f -> num(f[9]), f -> num(f[10]));
        boolean[] higherIsBetter = {true, false, false, false, false, false, false};
        double[][] medians = new double[KINDS.size()][metrics.size()];
        for (int k = 0; k < KINDS.size(); k++) {
            List<String[]> rows = byKind.get(KINDS.get(k));
            out.append("| ").append(name(KINDS.get(k))).append(" | ").append(rows == null ? 0 : rows.size());
            for (int m = 0; m < metrics.size(); m++) {
                medians[k][m] = median(rows, metrics.get(m));
                out.append(" | ").append(fmt(medians[k][m]));
            }
            out.append(" |\n");
        }
        // Connections open and connections closed are checks, not scores: no ratio for them.
        ratioRow(out, medians, higherIsBetter, metrics.size() - 1, 1, 0);
    }

    /**
     * The Spindle ÷ best peer row under a detail table; columns from {@code noRatioFrom} on, and those listed
     * in {@code skip}, get a dash.
     */
    private static void ratioRow(StringBuilder out, double[][] medians, boolean[] higherIsBetter, int noRatioFrom,
            int leadingCells, int... skip) {
        out.append("| Spindle ÷ best peer |").append(" |".repeat(leadingCells));
        for (int m = 0; m < higherIsBetter.length; m++) {
            int metric = m;
            if (m >= noRatioFrom || Arrays.stream(skip).anyMatch(s -> s == metric)) {
                out.append(" – |");
                continue;
            }
            double[] column = new double[KINDS.size()];
            for (int k = 0; k < KINDS.size(); k++) {
                column[k] = medians[k][m];
            }
            int best = bestPeer(column, higherIsBetter[m]);
            out.append(' ').append(best < 0 ? "–" : ratio(column[0], column[best])).append(" |");
        }
        out.append('\n');
    }

    /** The index (in {@link #KINDS}, never Spindle's) of the best peer value, or -1 if no peer has one. */
    private static int bestPeer(double[] values, boolean higherIsBetter) {
        int best = -1;
        for (int i = 1; i < values.length; i++) {
            if (Double.isNaN(values[i])) {
                continue;
            }
            if (best < 0 || (higherIsBetter ? values[i] > values[best] : values[i] < values[best])) {
                best = i;
            }
        }
        return best;
    }

    private static double median(List<String[]> rows, ToDoubleFunction<String[]> metric) {
        if (rows == null || rows.isEmpty()) {
            return Double.NaN;
        }
        double[] v = rows.stream().mapToDouble(metric).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        int mid = v.length / 2;
        return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
    }

    private static String ratio(double spindle, double best) {
        if (Double.isNaN(spindle) || Double.isNaN(best)) {
            return "–";
        }
        if (best == 0) {
            return spindle == 0 ? "1.00" : "∞";
        }
        return String.format(Locale.ROOT, "%.2f", spindle / best);
    }

    private static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) v); // counts (errors, connections) stay whole
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static double num(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static String name(String kind) {
        return NAMES.getOrDefault(kind, kind);
    }

    /** A readable name for the script's shape ids: http-c64, echo-c1000-16384, idle-10000. */
    private static String describe(String shape) {
        String[] p = shape.split("-");
        try {
            return switch (p[0]) {
                case "http" -> "HTTP keep-alive GET, wrk " + p[1].substring(1) + " conns";
                case "echo" -> "echo " + p[1].substring(1) + " conns × " + bytes(Integer.parseInt(p[2]));
                case "idle" -> String.format(Locale.ROOT, "%,d idle connections", Integer.parseInt(p[1]));
                default -> shape;
            };
        } catch (RuntimeException e) {
            return shape;
        }
    }

    private static String bytes(int n) {
        return n % 1024 == 0 ? n / 1024 + " KiB" : n + " B";
    }
}
