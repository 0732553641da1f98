package dev.spindle.tls;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Heap buffers lent to {@link TlsStream}s while bytes are in flight, so that an idle TLS connection holds none.
 *
 * <p>A stream takes its three buffers (ciphertext in, plaintext in, ciphertext out) when a poll starts and gives
 * back every one that is empty when the poll ends. A connection waiting for its peer therefore holds no buffer
 * at all, while a record cut in half by the network, plaintext the caller has not read yet, or ciphertext the
 * transport could not take keeps its buffer until it is used up. With 10,000 connections of which a few are
 * busy, memory follows the busy ones (about 83 KB each with a 16 KiB record size) instead of all of them.
 *
 * <h2>Threads</h2>
 * One cache per thread, confined to it: polls run on runtime workers (or a thread in {@code blockOn}), and a
 * stream's buffers are touched only under its lock, by the thread holding it. A buffer taken on one worker may be
 * given back on another after the task was stolen; that only moves it between caches. Nothing is shared, so
 * nothing needs ordering: the stream's lock orders the buffer's contents between threads that use it.
 *
 * <h2>Steady state</h2>
 * A busy stream gives a buffer back and takes it again on its next poll from the same cache, so nothing is
 * allocated per record. Buffers are kept by capacity class (one instance of this class per kind of buffer), and a
 * cached buffer smaller than asked for (the session grew its packet size) is dropped rather than used.
 */
final class RecordBuffers {
    /**
     * Buffers kept per thread and kind. A worker rarely has more streams mid-record at once than this; beyond it,
     * a returned buffer is left to the garbage collector, which bounds what a burst of busy connections leaves
     * behind in each worker (32 × 33 KB ≈ 1 MB for the ciphertext kind).
     */
    static final int MAX_CACHED_PER_THREAD = 32;

    /** Ciphertext buffers: two packets each. */
    static final RecordBuffers PACKETS = new RecordBuffers();
    /** Plaintext buffers: one application buffer each. */
    static final RecordBuffers PLAINTEXT = new RecordBuffers();

    private final ThreadLocal<ArrayDeque<ByteBuffer>> cache =
            ThreadLocal.withInitial(() -> new ArrayDeque<>(MAX_CACHED_PER_THREAD));

    private RecordBuffers() {
    }

    /** An empty buffer in read mode (position = limit = 0) of at least {@code capacity} bytes. */
    ByteBuffer take(int capacity) {
        ByteBuffer b = cache.get().pollFirst();
        if (b == null || b.capacity() < capacity) {
            b = ByteBuffer.allocate(capacity); // a smaller cached one is dropped: sizes only ever grow
        }
        return b.clear().flip();
    }

    /** Gives back {@code b}, which the caller no longer references. */
    void give(ByteBuffer b) {
        ArrayDeque<ByteBuffer> q = cache.get();
        if (q.size() < MAX_CACHED_PER_THREAD) {
            q.addFirst(b); // LIFO: the buffer used last is the one most likely still in the CPU cache
        }
    }

    /** Buffers cached by this thread (tests). */
    int cachedOnThisThread() {
        return cache.get().size();
    }
}
