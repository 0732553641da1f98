package dev.spindle.internal.scheduler;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Coordinates searching and parked workers (after Tokio's {@code multi_thread/idle.rs}).
 *
 * <h2>State</h2>
 * One {@code int}: the number of <em>unparked</em> workers in the high 16 bits and of <em>searching</em>
 * workers (unparked, out of local work, stealing) in the low 16 bits. The list of parked workers
 * ({@code sleepers}) is guarded by {@link #lock}; it is touched only on the park/unpark slow paths.
 *
 * <h2>Why a ReentrantLock</h2>
 * {@link #workerToNotify} takes the lock from whatever thread queued work: a waker or a spawn on a virtual thread
 * reaches it. A virtual thread that blocks entering a monitor pins its carrier thread on JDK 21 to 23, so a
 * contended wake-up would take a carrier from the virtual-thread scheduler; contending for a
 * {@code ReentrantLock}, it unmounts instead. ({@code Notify} and the mpsc channel chose a lock for the same
 * reason.) Not lock-free: the list must change together with the state word's counts, and the critical sections
 * are a few writes that never block or call out.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>At most half of the workers search at once ({@link #transitionToSearching}): more searchers only
 *       contend on the same victims.</li>
 *   <li>New work wakes a parked worker only if nobody is searching and somebody is parked
 *       ({@link #workerToNotify}); the woken worker starts as a searcher.</li>
 *   <li>A searcher that finds work stops searching; if it was the last searcher it wakes another worker,
 *       which will look for the remaining work. A searcher that parks as the last searcher must look at
 *       every queue once more after it has been counted as parked.</li>
 * </ul>
 *
 * <h2>Why no work is stranded</h2>
 * A producer first makes its task visible (queue push, a volatile/sequentially consistent write), then
 * reads {@code state} with a full fence in between. A worker first updates {@code state} (CAS), then looks at
 * the queues. All these accesses are sequentially consistent, so either the producer sees the worker
 * still unparked/searching (and that worker, or the last searcher, will see the task when it re-checks),
 * or the worker's re-check sees the task. If the producer saw "nobody searching, everybody unparked", the
 * first worker to run out of work becomes a searcher (the half limit never blocks the first one) and
 * scans the inject queue after becoming one.
 */
final class Idle {
    private static final int UNPARKED_SHIFT = 16;
    private static final int SEARCHING_MASK = (1 << UNPARKED_SHIFT) - 1;
    private static final int UNPARKED_ONE = 1 << UNPARKED_SHIFT;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Idle.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int numWorkers;
    /** Accessed through {@link #STATE}, with the mode named at each access. */
    @SuppressWarnings("unused")
    private int state;

    /** Guards {@code sleepers}, {@code sleeperCount} and {@code isSleeping}; see "Why a ReentrantLock". */
    private final ReentrantLock lock = new ReentrantLock();
    /** Parked worker indices, a stack; guarded by {@link #lock}. */
    private final int[] sleepers;
    private int sleeperCount;
    /** Whether worker i is in {@code sleepers}; guarded by {@link #lock}. */
    private final boolean[] isSleeping;

    Idle(int numWorkers) {
        if (numWorkers >= (1 << 15)) {
            throw new IllegalArgumentException("too many workers: " + numWorkers);
        }
        this.numWorkers = numWorkers;
        this.sleepers = new int[numWorkers];
        this.isSleeping = new boolean[numWorkers];
        STATE.setVolatile(this, numWorkers << UNPARKED_SHIFT); // all start unparked, none searching
    }

    static int searching(int s) {
        return s & SEARCHING_MASK;
    }

    static int unparked(int s) {
        return s >>> UNPARKED_SHIFT;
    }

    /** A worker out of local work asks to search. False if half the workers already search. */
    boolean transitionToSearching() {
        int s = (int) STATE.getVolatile(this);
        if (2 * searching(s) >= numWorkers) {
            return false;
        }
        // A racing increment may push the count one past half; harmless, as in Tokio.
        STATE.getAndAdd(this, 1); // volatile; pairs with the fence in Scheduler.notifyParked
        return true;
    }

    /** A searcher found work (or gave up). Returns true if it was the last searcher. */
    boolean transitionFromSearching() {
        int prev = (int) STATE.getAndAdd(this, -1); // volatile; pairs with the fence in Scheduler.notifyParked
        return searching(prev) == 1;
    }

    /**
     * New work is queued somewhere: wake one parked worker unless one is already searching or none is
     * parked. Returns the index of the worker to unpark, or -1.
     */
    int workerToNotify() {
        VarHandle.fullFence(); // orders the caller's queue push before the state read (see class doc)
        if (!shouldWake((int) STATE.getVolatile(this))) {
            return -1;
        }
        lock.lock();
        try {
            if (!shouldWake((int) STATE.getVolatile(this)) || sleeperCount == 0) {
                return -1;
            }
            // The woken worker is unparked and searching.
            STATE.getAndAdd(this, UNPARKED_ONE + 1); // volatile
            int w = sleepers[--sleeperCount];
            isSleeping[w] = false;
            return w;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The cheap pre-check for pushes to a worker's own queue: an opaque read, no fence. It may miss a
     * worker that is parking at this instant; that costs parallelism for a moment, never a task, because
     * the pushing worker owns the queue and will run the task itself (and its next push re-checks).
     * Foreign threads must use {@link #workerToNotify()}.
     */
    boolean mayNeedWake() {
        return shouldWake((int) STATE.getOpaque(this));
    }

    private boolean shouldWake(int s) {
        return searching(s) == 0 && unparked(s) < numWorkers;
    }

    /**
     * Worker {@code w} is about to park. Returns true if it was the last searcher, in which case it must
     * re-check every queue for work (and notify) before sleeping.
     */
    boolean transitionToParked(int w, boolean wasSearching) {
        lock.lock();
        try {
            int delta = -UNPARKED_ONE - (wasSearching ? 1 : 0);
            int prev = (int) STATE.getAndAdd(this, delta); // volatile
            sleepers[sleeperCount++] = w;
            isSleeping[w] = true;
            return wasSearching && searching(prev) == 1;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Worker {@code w} woke up. Returns true if a notifier took it off the sleepers list (it is then
     * counted as unparked and searching). Otherwise it is still parked as far as the others know.
     */
    boolean wasNotified(int w) {
        lock.lock();
        try {
            return !isSleeping[w];
        } finally {
            lock.unlock();
        }
    }

    /**
     * Worker {@code w} wakes on its own (it has local work, a timer fired, or shutdown): takes itself off
     * the sleepers list and counts itself unparked (not searching). No-op if a notifier already did.
     * Returns true if it was notified (and is therefore searching).
     */
    boolean unparkSelf(int w) {
        lock.lock();
        try {
            if (!isSleeping[w]) {
                return true;
            }
            isSleeping[w] = false;
            for (int i = 0; i < sleeperCount; i++) {
                if (sleepers[i] == w) {
                    sleepers[i] = sleepers[--sleeperCount];
                    break;
                }
            }
            STATE.getAndAdd(this, UNPARKED_ONE); // volatile
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Workers not parked now (opaque read: a hint for the stranded-work watch, not a synchronisation). */
    int unparkedHint() {
        return unparked((int) STATE.getOpaque(this));
    }

    /** Some parked worker's index, or -1; it stays parked (the caller only nudges it). */
    int anySleeper() {
        lock.lock();
        try {
            return sleeperCount == 0 ? -1 : sleepers[sleeperCount - 1];
        } finally {
            lock.unlock();
        }
    }

    /** Parked workers, for metrics. */
    int parkedCount() {
        lock.lock();
        try {
            return sleeperCount;
        } finally {
            lock.unlock();
        }
    }

    int searchingCount() {
        return searching((int) STATE.getVolatile(this));
    }
}
