package dev.spindle;

/**
 * Shared {@link Poll.Ready} results for byte counts, so that a read or write returning a count does not
 * allocate a {@code Ready} and an {@code Integer} per call in steady state.
 *
 * <p>Counts from -1 (end of stream) to {@link #MAX_CACHED} are cached. Larger counts allocate: a transfer that
 * large costs far more than the 32 bytes of the result, and caching every count up to the largest socket
 * buffer would hold megabytes.
 *
 * <p>Thread safety: entries are created on first use and published by a plain array store. That race is
 * benign: {@code Ready} is a record (its field is final, so any thread that sees the reference sees the
 * value), and two threads creating the same entry at once only waste one object.
 */
final class ReadyCounts {
    /** 16 KiB: a common message and buffer size (the TLS record size), for a 64 KiB table of references. */
    static final int MAX_CACHED = 16 * 1024;

    private static final Poll.Ready<?>[] INTS = new Poll.Ready<?>[MAX_CACHED + 2];
    private static final Poll.Ready<?>[] LONGS = new Poll.Ready<?>[MAX_CACHED + 2];

    private ReadyCounts() {
    }

    @SuppressWarnings("unchecked")
    static Poll<Integer> of(int n) {
        if (n < -1 || n > MAX_CACHED) {
            return new Poll.Ready<>(n);
        }
        Poll.Ready<?> r = INTS[n + 1];
        if (r == null) {
            r = new Poll.Ready<>(Integer.valueOf(n)); // boxed once, here; later hits return this very object
            INTS[n + 1] = r;
        }
        return (Poll<Integer>) r;
    }

    @SuppressWarnings("unchecked")
    static Poll<Long> of(long n) {
        if (n < -1 || n > MAX_CACHED) {
            return new Poll.Ready<>(n);
        }
        int i = (int) n + 1;
        Poll.Ready<?> r = LONGS[i];
        if (r == null) {
            r = new Poll.Ready<>(Long.valueOf(n));
            LONGS[i] = r;
        }
        return (Poll<Long>) r;
    }
}
