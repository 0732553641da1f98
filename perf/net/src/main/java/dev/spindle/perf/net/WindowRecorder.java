package dev.spindle.perf.net;

import org.HdrHistogram.Histogram;

/**
 * The latencies and count of the requests one load thread completes inside the measured window; each thread of
 * a load owns one (no sharing), and they are merged at the end. Also keeps the thread's error count and first
 * error, for the log; {@link MeasuredLoad} merges them.
 */
public final class WindowRecorder {
    private final Histogram histogram = new Histogram(MeasuredLoad.MAX_LATENCY_NANOS, 3);
    private long windowStart;
    private long windowEnd;
    private long requests;
    private long errors;
    private String firstError;

    /** Sets the window: requests completed in [start, end) count. */
    public void window(long start, long end) {
        this.windowStart = start;
        this.windowEnd = end;
    }

    public long windowEnd() {
        return windowEnd;
    }

    /** Records a request sent at {@code sentAt} and completed at {@code now}, if {@code now} is in the window. */
    public void completed(long sentAt, long now) {
        if (now >= windowStart && now < windowEnd) {
            histogram.recordValue(Math.min(now - sentAt, MeasuredLoad.MAX_LATENCY_NANOS));
            requests++;
        }
    }

    /** Counts an error; the first one's reason is kept. */
    public void error(String why) {
        errors++;
        if (firstError == null) {
            firstError = why;
        }
    }

    public long requests() {
        return requests;
    }

    long errors() {
        return errors;
    }

    String firstError() {
        return firstError;
    }

    Histogram histogram() {
        return histogram;
    }
}
