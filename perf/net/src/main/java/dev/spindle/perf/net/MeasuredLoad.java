package dev.spindle.perf.net;

import org.HdrHistogram.Histogram;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A closed-loop load whose requests are counted only inside a measured window, as {@link Measurement#run} drives
 * it: the echo loads (plain and TLS) and the handshake load. Each of its threads records into a
 * {@link WindowRecorder} of its own; the totals are theirs, merged.
 */
public interface MeasuredLoad {
    /** The largest latency the histograms track (a larger one is recorded as this). */
    long MAX_LATENCY_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** Starts loading now; requests that complete in [windowStart, windowEnd) count. */
    void start(long windowStart, long windowEnd);

    /** Waits for the load to stop after the window, closes its connections and reports its first error. */
    void finish() throws InterruptedException;

    /** The recorders of the load's threads. */
    List<WindowRecorder> recorders();

    /** The latencies of the requests that count. */
    default Histogram histogram() {
        Histogram merged = new Histogram(MAX_LATENCY_NANOS, 3);
        for (WindowRecorder r : recorders()) {
            merged.add(r.histogram());
        }
        return merged;
    }

    /** The requests that count. */
    default long requests() {
        return recorders().stream().mapToLong(WindowRecorder::requests).sum();
    }

    /** Connections dropped on an error during the load. */
    default long errors() {
        return recorders().stream().mapToLong(WindowRecorder::errors).sum();
    }

    /** Prints the first error (with how many there were) on stderr, if there was one. */
    default void reportFirstError() {
        for (WindowRecorder r : recorders()) {
            if (r.firstError() != null) {
                System.err.println("first error (of " + errors() + "): " + r.firstError());
                return;
            }
        }
    }
}
