package dev.spindle.internal.scheduler;

import dev.spindle.internal.task.Task;
import org.jctools.queues.atomic.MpscUnboundedAtomicArrayQueue;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Work arriving from outside a worker (spawns and wakes from foreign or virtual threads, local-queue
 * overflow): a JCTools MPSC queue. Any worker may consume, so consumers take {@code consumerLock} first,
 * which makes the queue single-consumer at any instant, as the MPSC contract requires. The lock is held
 * only to move a batch into the consumer's local queue, so contention is brief; a consumer that finds it
 * taken waits instead of concluding the queue is empty (which could let it park with work pending).
 *
 * <p>The atomic (field-updater) variant of the JCTools queue is used: the Unsafe-based one prints a
 * deprecation warning on JDK 24+.
 */
final class InjectQueue implements Overflow {
    /** Chunk size of the unbounded queue: 1024 references (~4-8 KiB) per chunk amortise chunk links. */
    private static final int CHUNK_SIZE = 1024;

    private final MpscUnboundedAtomicArrayQueue<Task<?>> queue = new MpscUnboundedAtomicArrayQueue<>(CHUNK_SIZE);
    private final ReentrantLock consumerLock = new ReentrantLock();

    /** Any thread. The offer is a sequentially consistent exchange on the producer index. */
    void push(Task<?> task) {
        queue.offer(task);
    }

    @Override
    public void accept(Task<?> task) {
        queue.offer(task);
    }

    /**
     * A local queue's spill: JCTools' {@code fill} claims a run of slots with one CAS on the producer index
     * (per chunk), instead of one per task.
     */
    @Override
    public void spill(Task<?>[] buffer, long from, int n, int mask, Task<?> extra) {
        int total = n + 1;
        int[] next = {0};
        org.jctools.queues.MessagePassingQueue.Supplier<Task<?>> source = () -> {
            int i = next[0]++;
            return i < n ? buffer[(int) (from + i) & mask] : extra;
        };
        int done = 0;
        while (done < total) {
            done += queue.fill(source, total - done); // calls source exactly as often as it returns
        }
    }

    /**
     * Whether the queue looks empty. Reads the producer and consumer indices with volatile loads, so it
     * sees any push that completed before (the idle protocol relies on this; see {@link Idle}).
     */
    boolean isEmpty() {
        return queue.isEmpty();
    }

    int size() {
        return queue.size();
    }

    /** Takes one task, or null. */
    Task<?> pop() {
        if (queue.isEmpty()) {
            return null;
        }
        consumerLock.lock();
        try {
            return queue.poll();
        } finally {
            consumerLock.unlock();
        }
    }

    /**
     * Moves up to {@code max} tasks into {@code dst} (owned by the calling worker) and returns one more to
     * run now; null if the queue was empty.
     */
    Task<?> popBatch(int max, LocalQueue dst, Overflow overflow) {
        if (queue.isEmpty()) {
            return null;
        }
        consumerLock.lock();
        try {
            Task<?> first = queue.poll();
            if (first == null) {
                return null;
            }
            for (int i = 0; i < max; i++) {
                Task<?> t = queue.poll();
                if (t == null) {
                    break;
                }
                dst.push(t, overflow);
            }
            return first;
        } finally {
            consumerLock.unlock();
        }
    }
}
