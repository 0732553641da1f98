package dev.spindle.perf.servers.kit;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Direct buffers of one size, cached per thread, so that a connection holds a buffer only while bytes are in
 * flight through it and an idle connection holds none.
 *
 * <p>A connection takes a buffer when it is about to read, and gives it back as soon as the buffer is empty
 * again (everything read has been written, or the read would block). With N connections of which only a
 * few are active at any moment, memory is proportional to the active ones, and in steady state nothing is
 * allocated: the buffers cycle through the cache of the worker that polls the connections.
 *
 * <h2>Threads</h2>
 * Each cache is confined to its thread: {@link #take} and {@link #give} are called from a connection's
 * {@code poll} or {@code cancel}, which always run on a runtime worker, so no synchronisation is needed.
 * A task may be stolen by another worker between two polls, so a buffer can be taken from one worker's
 * cache and given back to another's; that only moves buffers around. A cache keeps at most
 * {@code maxCachedPerThread} buffers; beyond that a returned buffer is left to the garbage collector, which
 * bounds what a burst of busy connections leaves behind.
 */
public final class BufferPool {
    private final int bufferSize;
    private final int maxCachedPerThread;
    private final ThreadLocal<ArrayDeque<ByteBuffer>> cache = ThreadLocal.withInitial(ArrayDeque::new);

    public BufferPool(int bufferSize, int maxCachedPerThread) {
        this.bufferSize = bufferSize;
        this.maxCachedPerThread = maxCachedPerThread;
    }

    /** A cleared buffer of the pool's size: a cached one if this thread has one, else a new one. */
    public ByteBuffer take() {
        ByteBuffer b = cache.get().pollFirst();
        return b != null ? b.clear() : ByteBuffer.allocateDirect(bufferSize);
    }

    /** Returns {@code b}, which the caller no longer uses, to this thread's cache. */
    public void give(ByteBuffer b) {
        ArrayDeque<ByteBuffer> q = cache.get();
        if (q.size() < maxCachedPerThread) {
            q.addFirst(b); // LIFO: the buffer used last is the one most likely still in the CPU cache
        }
    }

    /** Buffers in this thread's cache (tests check with it that a connection gave its buffer back). */
    public int cachedOnThisThread() {
        return cache.get().size();
    }
}
