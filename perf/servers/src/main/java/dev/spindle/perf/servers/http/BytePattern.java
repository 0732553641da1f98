package dev.spindle.perf.servers.http;

import java.nio.ByteBuffer;

/**
 * The deterministic byte stream served by {@code GET /bytes/{n}}: byte {@code i} is a hash of
 * {@code i mod PERIOD} (see {@link #at(long)}).
 *
 * <p>The period is what makes serving it free: one precomputed table of {@code PERIOD + MAX_CHUNK} bytes holds
 * every window of up to {@code MAX_CHUNK} bytes contiguously, so the server writes straight from the table
 * (no per-byte work, no copy). The period is a prime, not a power of two, so that it is not a multiple of
 * any buffer or chunk size: a response that repeats or skips a chunk no longer matches the pattern, and a
 * checksum catches it.
 */
public final class BytePattern {
    /** The largest prime below 2^16. */
    public static final int PERIOD = 65_521;
    /** The most bytes one write takes from the table. */
    static final int MAX_CHUNK = 64 * 1024;

    /** Shared by every connection; read-only, so each writer works on its own {@link #view()}. */
    private static final ByteBuffer TABLE = table();

    private BytePattern() {
    }

    /** Byte {@code index} of the pattern ({@code index >= 0}). */
    public static byte at(long index) {
        return hash(offset(index));
    }

    /** Where byte {@code index} starts in the table. */
    static int offset(long index) {
        return (int) (index % PERIOD);
    }

    /** A private view of the table, to set position and limit on. */
    static ByteBuffer view() {
        return TABLE.duplicate();
    }

    /** Puts bytes {@code [index, index + n)} of the pattern into {@code dst}; {@code n <= MAX_CHUNK}. */
    static void copy(ByteBuffer dst, long index, int n) {
        dst.put(dst.position(), TABLE, offset(index), n);
        dst.position(dst.position() + n);
    }

    /** Fibonacci hashing: the top byte of {@code j} times 2^32 / golden ratio; varies quickly, never all zeros. */
    private static byte hash(int j) {
        return (byte) ((j * 0x9E3779B1) >>> 24);
    }

    private static ByteBuffer table() {
        ByteBuffer t = ByteBuffer.allocateDirect(PERIOD + MAX_CHUNK);
        for (int i = 0; i < t.capacity(); i++) {
            t.put(i, hash(i % PERIOD));
        }
        return t.asReadOnlyBuffer();
    }
}
