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
 * Turns the raw results of {@code perf/net/run.sh} and {@code perf/net/run-tls.sh} (one tab-separated line per
 * server run) into the markdown tables of the report: per shape, each server's median over the rounds, and for
 * each Spindle kind the ratio to the best peer, where the best peer is the better of the other kinds (Netty and
 * blocking + virtual threads) for that column (highest requests or handshakes per second; lowest latency, CPU
 * and memory).
 *
 * <pre>
 * NetReport RAW_RESULTS_TSV KINDS
 * </pre>
 * {@code KINDS} lists the server kinds, comma-separated, in table order; those whose name starts with
 * {@code spindle} are Spindle's (one per TLS engine in the TLS run), the others are peers. A kind without
 * results still gets its row, with dashes. Input lines, written by the scripts:
 * <pre>
 * load  SHAPE KIND ROUND rps p50_us p99_us server_cpu_pct client_cpu_pct errors
 * idle  SHAPE KIND ROUND open rss_before_kb rss_after_kb heap_before_kb heap_after_kb cpu_pct closed
 * fail  SHAPE KIND ROUND reason
 * </pre>
 * In {@code tls-handshakes} rows, rps is full handshakes per second. Medians are taken column by column (with two
 * rounds, the mean of the two), so a row need not be any single round; the raw file keeps every round for
 * whoever wants to look closer.
 */
public final class NetReport {
    private static final Map<String, String> NAMES = Map.of(
            "spindle", "Spindle", "netty", "Netty (NIO)", "blocking-vt", "blocking + virtual threads",
            "spindle-jdk", "Spindle (JDK engine)", "spindle-boringssl", "Spindle (BoringSSL)",
            "netty-jdk", "Netty SslHandler (JDK)");

    private final List<String> kinds;
    private final List<Integer> spindle = new ArrayList<>();
    private final List<Integer> peers = new ArrayList<>();

    private NetReport(List<String> kinds) {
        this.kinds = kinds;
        for (int i = 0; i < kinds.size(); i++) {
            (kinds.get(i).startsWith("spindle") ? spindle : peers).add(i);
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: NetReport RAW_RESULTS_TSV KIND,KIND,...");
            System.exit(2);
        }
        System.out.print(render(Files.readAllLines(Path.of(args[0])), List.of(args[1].split(","))));
    }

    /**
     * The report's tables for the raw result {@code lines}, with a row for each of {@code kinds} (in table order).
     *
     * @throws IllegalArgumentException on a line that is not {@code load}, {@code idle} or {@code fail}
     */
    static String render(List<String> lines, List<String> kinds) {
        NetReport report = new NetReport(kinds);
        Map<String, Map<String, List<String[]>>> load = new LinkedHashMap<>();
        Map<String, Map<String, List<String[]>>> idle = new LinkedHashMap<>();
        List<String> failures = new ArrayList<>();
        for (String line : lines) {
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
            boolean handshakes = load.keySet().stream().anyMatch(NetReport::isHandshakes);
            report.summary(out, load, handshakes ? "Requests/s (echo) and full handshakes/s (higher is better)"
                    : "Requests/s (higher is better)", f -> num(f[4]), true);
            report.summary(out, load, handshakes
                    ? "Server CPU µs per request (echo) or per full handshake (lower is better)"
                    : "Server CPU µs per request (lower is better)", NetReport::serverMicrosPerRequest, false);
            report.summary(out, load, "p99 latency in µs (lower is better)", f -> num(f[6]), false);
            for (var shape : load.entrySet()) {
                report.loadDetail(out, shape.getKey(), shape.getValue());
            }
        }
        for (var shape : idle.entrySet()) {
            report.idleDetail(out, shape.getKey(), shape.getValue());
        }
        if (!failures.isEmpty()) {
            out.append("\n**Failed runs** (left out of the medians):\n\n");
            for (String f : failures) {
                out.append("- ").append(f).append('\n');
            }
        }
        return out.toString();
    }

    private void summary(StringBuilder out, Map<String, Map<String, List<String[]>>> load, String title,
            ToDoubleFunction<String[]> metric, boolean higherIsBetter) {
        out.append("\n### ").append(title).append(", median of rounds\n\n| shape |");
        for (String k : kinds) {
            out.append(' ').append(name(k)).append(" |");
        }
        out.append(" best peer |");
        for (int s : spindle) {
            out.append(' ').append(name(kinds.get(s))).append(" ÷ best peer |");
        }
        out.append("\n| --- |").append(" ---: |".repeat(kinds.size())).append(" --- |")
                .append(" ---: |".repeat(spindle.size())).append('\n');
        for (var shape : load.entrySet()) {
            out.append("| ").append(describe(shape.getKey())).append(" |");
            double[] medians = new double[kinds.size()];
            for (int i = 0; i < kinds.size(); i++) {
                medians[i] = median(shape.getValue().get(kinds.get(i)), metric);
                out.append(' ').append(fmt(medians[i])).append(" |");
            }
            int best = bestPeer(medians, higherIsBetter);
            out.append(' ').append(best < 0 ? "–" : name(kinds.get(best))).append(" |");
            for (int s : spindle) {
                out.append(' ').append(best < 0 ? "–" : ratio(medians[s], medians[best])).append(" |");
            }
            out.append('\n');
        }
    }

    private void loadDetail(StringBuilder out, String shape, Map<String, List<String[]>> byKind) {
        String unit = isHandshakes(shape) ? "handshake" : "req";
        String rate = isHandshakes(shape) ? "handshakes/s" : "req/s";
        out.append("\n#### ").append(describe(shape)).append(" (").append(shape).append(")\n\n")
                .append("| server | rounds | ").append(rate).append(" | p50 µs | p99 µs | server CPU % of a core")
                .append(" | server CPU µs/").append(unit).append(" | client CPU % | errors |\n")
                .append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        List<ToDoubleFunction<String[]>> metrics = List.of(
                f -> num(f[4]), f -> num(f[5]), f -> num(f[6]), f -> num(f[7]),
                NetReport::serverMicrosPerRequest,
                f -> num(f[8]), f -> num(f[9]));
        boolean[] higherIsBetter = {true, false, false, false, false, false, false};
        double[][] medians = table(out, byKind, metrics);
        ratioRows(out, medians, higherIsBetter, metrics.size() - 2);
    }

    private void idleDetail(StringBuilder out, String shape, Map<String, List<String[]>> byKind) {
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
        double[][] medians = table(out, byKind, metrics);
        // Connections open and connections closed are checks, not scores: no ratio for them.
        ratioRows(out, medians, higherIsBetter, metrics.size() - 1, 0);
    }

    /** One row per kind (rounds, then each metric's median); returns the medians. */
    private double[][] table(StringBuilder out, Map<String, List<String[]>> byKind,
            List<ToDoubleFunction<String[]>> metrics) {
        double[][] medians = new double[kinds.size()][metrics.size()];
        for (int k = 0; k < kinds.size(); k++) {
            List<String[]> rows = byKind.get(kinds.get(k));
            out.append("| ").append(name(kinds.get(k))).append(" | ").append(rows == null ? 0 : rows.size());
            for (int m = 0; m < metrics.size(); m++) {
                medians[k][m] = median(rows, metrics.get(m));
                out.append(" | ").append(fmt(medians[k][m]));
            }
            out.append(" |\n");
        }
        return medians;
    }

    /**
     * A "÷ best peer" row per Spindle kind under a detail table; columns from {@code noRatioFrom} on, and those
     * listed in {@code skip}, get a dash.
     */
    private void ratioRows(StringBuilder out, double[][] medians, boolean[] higherIsBetter, int noRatioFrom,
            int... skip) {
        for (int s : spindle) {
            out.append("| ").append(name(kinds.get(s))).append(" ÷ best peer | |");
            for (int m = 0; m < higherIsBetter.length; m++) {
                int metric = m;
                if (m >= noRatioFrom || Arrays.stream(skip).anyMatch(x -> x == metric)) {
                    out.append(" – |");
                    continue;
                }
                double[] column = new double[kinds.size()];
                for (int k = 0; k < kinds.size(); k++) {
                    column[k] = medians[k][m];
                }
                int best = bestPeer(column, higherIsBetter[m]);
                out.append(' ').append(best < 0 ? "–" : ratio(column[s], column[best])).append(" |");
            }
            out.append('\n');
        }
    }

    /** The index (in {@link #kinds}, never a Spindle kind's) of the best peer value, or -1 if no peer has one. */
    private int bestPeer(double[] values, boolean higherIsBetter) {
        int best = -1;
        for (int i : peers) {
            if (Double.isNaN(values[i])) {
                continue;
            }
            if (best < 0 || (higherIsBetter ? values[i] > values[best] : values[i] < values[best])) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Server CPU time per request (or handshake), in µs: its CPU in % of one core over the measured window, times
     * 10^6 µs per second / 100, over the requests per second the client completed in that window; that is, the
     * server's CPU seconds in the window divided by the requests completed in it. NaN without requests.
     */
    static double serverMicrosPerRequest(String[] f) {
        double rps = num(f[4]);
        return rps > 0 ? num(f[7]) / 100 * 1e6 / rps : Double.NaN;
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

    private static boolean isHandshakes(String shape) {
        return shape.startsWith("tls-handshakes");
    }

    /**
     * A readable name for the scripts' shape ids: http-c64, echo-c1000-16384, idle-10000, and with a tls- prefix
     * tls-echo-c64-16384, tls-handshakes, tls-idle-10000.
     */
    private static String describe(String shape) {
        boolean tls = shape.startsWith("tls-");
        String[] p = (tls ? shape.substring(4) : shape).split("-");
        String prefix = tls ? "TLS " : "";
        try {
            return switch (p[0]) {
                case "http" -> "HTTP keep-alive GET, wrk " + p[1].substring(1) + " conns";
                case "echo" -> prefix + "echo " + p[1].substring(1) + " conns × " + bytes(Integer.parseInt(p[2]));
                case "idle" -> String.format(Locale.ROOT, "%,d idle %sconnections", Integer.parseInt(p[1]), prefix);
                case "handshakes" -> "full TLS handshakes";
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
