package dev.spindle.perf.net;

import org.HdrHistogram.Histogram;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One measured run of a {@link MeasuredLoad}, and the {@code RESULT} line every load client prints.
 *
 * <p>The run is a warm-up (not recorded) and a measured window. At the window's edges the client prints
 * {@code WINDOW start} and {@code WINDOW end} on stdout, so the driver script can sample the server's CPU time
 * over exactly that window; the client's own CPU time over the window is {@code client_cpu_pct}, in % of one
 * core (near 100 with one load thread means the client, not the server, may be the limit).
 *
 * @param seconds      the measured window
 * @param requests     requests completed inside it
 * @param histogram    their latencies
 * @param clientCpuPct this process's CPU time over the window, in % of one core
 */
public record Measurement(double seconds, long requests, Histogram histogram, double clientCpuPct) {

    /** Starts {@code load}, runs it through the warm-up and the window, and waits for it to finish. */
    public static Measurement run(MeasuredLoad load, long warmupNanos, long durationNanos)
            throws InterruptedException {
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10);
        long windowStart = start + warmupNanos;
        long windowEnd = windowStart + durationNanos;
        load.start(windowStart, windowEnd);

        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        sleepUntil(windowStart);
        long cpuStart = os.getProcessCpuTime();
        long wallStart = System.nanoTime();
        System.out.println("WINDOW start");
        System.out.flush();
        sleepUntil(windowEnd);
        long cpuEnd = os.getProcessCpuTime();
        long wallEnd = System.nanoTime();
        System.out.println("WINDOW end");
        System.out.flush();
        load.finish();
        return new Measurement(durationNanos / 1e9, load.requests(), load.histogram(),
                100.0 * (cpuEnd - cpuStart) / Math.max(1, wallEnd - wallStart));
    }

    /**
     * The result line: {@code RESULT <leading> duration_s=… <countName>=… rps=… p50_us=… p90_us=… p99_us=…
     * p999_us=… max_us=… errors=… [<trailing>] client_cpu_pct=…}. The driver scripts read it by key.
     */
    public String resultLine(String leading, String countName, long errors, String trailing) {
        return String.format(Locale.ROOT,
                "RESULT %s duration_s=%.3f %s=%d rps=%.1f p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f"
                        + " max_us=%.1f errors=%d%s client_cpu_pct=%.1f",
                leading, seconds, countName, requests, requests / seconds, micros(50), micros(90), micros(99),
                micros(99.9), histogram.getMaxValue() / 1e3, errors, trailing.isEmpty() ? "" : " " + trailing,
                clientCpuPct);
    }

    private double micros(double percentile) {
        return histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(percentile) / 1e3;
    }

    private static void sleepUntil(long deadline) throws InterruptedException {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }
}
