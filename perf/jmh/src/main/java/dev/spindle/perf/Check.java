package dev.spindle.perf;

import dev.spindle.JoinHandle;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Result checks shared by the benchmarks: a benchmark that silently skipped its work would report a fine number,
 * so each one verifies what it did and throws otherwise. The single "wait for the end" of each benchmark has a
 * timeout, so that a lost wake-up fails the run with the shape's name instead of hanging it.
 */
final class Check {
    static final long TIMEOUT_SECONDS = 60;
    static final Duration TIMEOUT = Duration.ofSeconds(TIMEOUT_SECONDS);

    private Check() {
    }

    static void equal(long expected, long actual, String what) {
        if (expected != actual) {
            throw new IllegalStateException(what + ": expected " + expected + ", got " + actual);
        }
    }

    /** Waits for a Spindle task, failing (not hanging) after {@link #TIMEOUT}. */
    static <T> T await(JoinHandle<T> handle, String what) {
        try {
            return handle.join(TIMEOUT);
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + ": not done after " + TIMEOUT_SECONDS + " s (lost wake-up?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + ": interrupted", e);
        }
    }

    /** Waits for a JDK or Netty future, failing (not hanging) after {@link #TIMEOUT}. */
    static <T> T await(java.util.concurrent.Future<T> future, String what) {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + ": not done after " + TIMEOUT_SECONDS + " s", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(what + ": failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + ": interrupted", e);
        }
    }
}
