package dev.spindle.internal.scheduler;

import dev.spindle.internal.task.Task;
import dev.spindle.internal.time.TimeDriver;
import dev.spindle.spi.EventDriver;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One worker: its run queue, its LIFO slot, and the loop that runs tasks.
 *
 * <h2>The loop</h2>
 * <pre>
 *   while not terminating:
 *     tick++
 *     every eventInterval ticks: maintenance (fire due timers)
 *     task = next local task (every globalQueueInterval ticks the inject queue first, for fairness)
 *            or a batch from the inject queue
 *            or steal (as one of at most half the workers searching)
 *     run it (then up to maxLifoPollsPerTick tasks it woke, from the LIFO slot)
 *     or, with nothing found: park (the first parker owns the timer driver and sleeps until the
 *     next deadline; the others sleep until notified)
 * </pre>
 *
 * <h2>The LIFO slot</h2>
 * A task woken by the task running on this worker goes to the LIFO slot, so message passing between two
 * tasks runs hot in cache; the displaced occupant goes to the queue. Polls from the slot in a row are capped
 * ({@code maxLifoPollsPerTick}, 3 as in Tokio, whose two ping-ponging tasks once starved everything else):
 * past the cap the slot's task goes to the back of the queue. Stealers may take the slot's task when this
 * worker's queue is empty, so a task cannot be stranded there while this worker is stuck in a long poll.
 * The slot is written by the owner (release) and emptied by the owner or a stealer with a CAS.
 *
 * <h2>Ownership</h2>
 * Everything but {@code lifo} (and the queue's head, see {@link LocalQueue}) is owned by the worker thread.
 * The metrics counters are plain fields written only by the owner and read racily by metrics snapshots.
 */
final class Worker implements Runnable {
    /**
     * Steal rounds over all other workers before parking. A few rounds catch work that another worker is
     * about to push (spawn bursts) without the cost of a park/unpark (tens of microseconds); more would
     * burn CPU on an idle runtime.
     */
    private static final int SEARCH_ROUNDS = 3;

    /**
     * After the steal rounds fail, a searcher keeps looking this long before it parks. Waking a parked
     * thread costs a system call and tens of microseconds of latency on the waking side; work often
     * arrives again within that time (request/response, a task chain hopping threads, a burst of spawns
     * from outside), and a searcher that is still spinning takes it with no wake-up at all. Only searchers
     * spin (at most half the workers), only on the way from busy to idle, so an idle runtime still uses no
     * CPU. 50 us, about the cost of one park/unpark round trip on a virtualised machine.
     */
    static final long SPIN_BEFORE_PARK_NANOS = 50_000L;

    private static final VarHandle LIFO;

    static {
        try {
            LIFO = MethodHandles.lookup().findVarHandle(Worker.class, "lifo", Task.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int index;
    final Scheduler scheduler;
    final LocalQueue queue;
    final Parker parker;
    final WorkerThread thread;
    private final WorkerContext cx = new WorkerContext();
    private final SchedulerConfig config;

    @SuppressWarnings("unused")
    private Task<?> lifo; // accessed through LIFO (see class doc)

    /** Ticks left until the next maintenance step / inject-queue check: countdowns, not '%' (a division per tick). */
    private int untilMaintenance;
    private int untilInjectCheck;
    private boolean searching;
    /**
     * True while this worker fires timers: their wakes go to the back of the queue in deadline order,
     * not through the LIFO slot (which would run the last-fired timer first).
     */
    private boolean firingTimers;
    /** Where a full local queue spills: bound once, so spilling allocates nothing. */
    private final Overflow overflowSink;
    /** Task ids are taken from the scheduler in blocks, so spawning does not contend on one counter. */
    private long nextId;
    private long idLimit;
    private int rng;

    // Metrics: owner writes, others read racily.
    long completedLocal;
    long polls;
    long stolenTasks;
    long steals;
    long parks;
    long notifiedWakes;
    long lifoPolls;
    long overflowed;
    long timersFired;
    long spawnedLocal;

    Worker(int index, Scheduler scheduler, SchedulerConfig config) {
        this.index = index;
        this.scheduler = scheduler;
        this.config = config;
        this.queue = new LocalQueue(config.localQueueCapacity());
        this.thread = new WorkerThread(this, config.threadNamePrefix() + index, config.daemon());
        this.parker = new Parker(thread, config.eventDriver());
        this.rng = 0x9E3779B9 * (index + 1);
        this.overflowSink = scheduler.inject;
        this.untilMaintenance = config.eventInterval();
        this.untilInjectCheck = config.globalQueueInterval();
    }

    /** Owner only: the next task id, from this worker's block of ids. */
    long nextTaskId() {
        if (nextId == idLimit) {
            nextId = scheduler.reserveIds(Scheduler.ID_BLOCK);
            idLimit = nextId + Scheduler.ID_BLOCK;
        }
        return nextId++;
    }

    // ---- scheduling from this worker's thread --------------------------------------------------------

    /** Owner only: queues a task that became scheduled on this thread. */
    void scheduleLocal(Task<?> task, boolean wake) {
        if (wake && !firingTimers && config.maxLifoPollsPerTick() > 0) {
            Task<?> prev = (Task<?>) LIFO.getAcquire(this); // pairs with a stealer's CAS to null
            if (prev == null) {
                LIFO.setRelease(this, task); // publishes the task to stealers (their getAcquire)
            } else if (LIFO.compareAndSet(this, prev, task)) {
                pushLocal(prev);
            } else {
                LIFO.setRelease(this, task); // a stealer took prev; the slot is ours again
            }
        } else {
            pushLocal(task);
        }
        if (shouldNotifyOthers()) {
            scheduler.notifyParkedFromWorker();
        } else {
            scheduler.ensureWatcher();
        }
    }

    private void pushLocal(Task<?> task) {
        overflowed += queue.push(task, overflowSink);
    }

    /** Tokio's rule: wake another worker only if there is more than one task here to share. */
    private boolean shouldNotifyOthers() {
        if (searching) {
            return false;
        }
        int n = queue.len() + (LIFO.getOpaque(this) != null ? 1 : 0);
        return n > 1;
    }

    private Task<?> takeLifo() {
        Task<?> t = (Task<?>) LIFO.getAcquire(this); // pairs with the owner's setRelease
        if (t == null) {
            return null;
        }
        return LIFO.compareAndSet(this, t, null) ? t : null; // volatile; races with stealers
    }

    /** A stealer takes the LIFO task of this worker. */
    Task<?> stealLifo() {
        return takeLifo();
    }

    boolean hasLocalWork() {
        return LIFO.getAcquire(this) != null || !queue.isEmpty();
    }

    // ---- the loop ------------------------------------------------------------------------------------

    @Override
    public void run() {
        try {
            while (!scheduler.isTerminating()) {
                if (--untilMaintenance == 0) {
                    untilMaintenance = config.eventInterval();
                    maintenance();
                }
                Task<?> t = nextTask();
                if (t == null) {
                    t = search();
                }
                if (t != null) {
                    runTask(t);
                    continue;
                }
                park();
            }
        } finally {
            if (searching) {
                searching = false;
                scheduler.idle.transitionFromSearching();
            }
            scheduler.workerExited(this);
        }
    }

    private void maintenance() {
        TimeDriver time = scheduler.time;
        if (time.anyDue()) {
            fireTimers(false);
        }
        EventDriver events = config.eventDriver();
        if (events != null && scheduler.tryAcquireDriver(this)) {
            // A busy worker polls for events without blocking, so I/O is not starved under CPU load.
            firingTimers = true; // event wakes go to the back of the queue, like timer wakes
            try {
                events.poll(0);
            } finally {
                firingTimers = false;
                scheduler.releaseDriver(this);
            }
        }
    }

    private void fireTimers(boolean blocking) {
        firingTimers = true;
        try {
            timersFired += scheduler.time.fireDue(blocking);
        } finally {
            firingTimers = false;
        }
    }

    private Task<?> nextTask() {
        if (--untilInjectCheck == 0) {
            untilInjectCheck = config.globalQueueInterval();
            Task<?> t = scheduler.inject.pop();
            if (t != null) {
                return t;
            }
        }
        Task<?> t = takeLifo();
        if (t != null) {
            return t;
        }
        t = queue.pop();
        if (t != null) {
            return t;
        }
        return takeInjectBatch();
    }

    private Task<?> takeInjectBatch() {
        InjectQueue inject = scheduler.inject;
        if (inject.isEmpty()) {
            return null;
        }
        int n = Math.min(inject.size() / scheduler.workers.length + 1, queue.capacity() / 2);
        return inject.popBatch(n - 1, queue, overflowSink);
    }

    /** Steals from other workers (and finally the inject queue) as a searcher. */
    private Task<?> search() {
        if (!searching) {
            if (!scheduler.idle.transitionToSearching()) {
                return null;
            }
            searching = true;
        }
        Worker[] all = scheduler.workers;
        int n = all.length;
        long spinUntil = 0;
        for (int round = 0; ; round++) {
            if (round >= SEARCH_ROUNDS) {
                long now = System.nanoTime();
                if (spinUntil == 0) {
                    spinUntil = now + SPIN_BEFORE_PARK_NANOS;
                } else if (now - spinUntil >= 0) {
                    return null;
                }
            }
            int start = nextRandom(n);
            for (int i = 0; i < n; i++) {
                Worker victim = all[(start + i) % n];
                if (victim == this) {
                    continue;
                }
                Task<?> t = victim.queue.stealInto(queue);
                if (t == null && victim.queue.isEmpty()) {
                    t = victim.stealLifo();
                    if (t != null) {
                        steals++;
                        stolenTasks++;
                        return t;
                    }
                }
                if (t != null) {
                    steals++;
                    stolenTasks += 1 + queue.len();
                    return t;
                }
            }
            Task<?> t = takeInjectBatch();
            if (t != null) {
                return t;
            }
            if (scheduler.isTerminating()) {
                return null;
            }
            Thread.onSpinWait();
        }
    }

    private int nextRandom(int bound) {
        int x = rng; // xorshift32: owner-only, no contention on a shared Random
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        rng = x;
        return (x & Integer.MAX_VALUE) % bound;
    }

    private void runTask(Task<?> task) {
        if (searching) {
            searching = false;
            if (scheduler.idle.transitionFromSearching()) {
                // The last searcher found work: there may be more, so wake somebody to keep looking.
                scheduler.notifyParked();
            }
        }
        runOne(task);
        for (int inRow = 0; ; inRow++) {
            Task<?> next = takeLifo();
            if (next == null) {
                return;
            }
            if (inRow >= config.maxLifoPollsPerTick()) {
                pushLocal(next);
                if (shouldNotifyOthers()) {
                    scheduler.notifyParkedFromWorker();
                }
                return;
            }
            lifoPolls++;
            runOne(next);
        }
    }

    private void runOne(Task<?> task) {
        polls++;
        cx.prepare(task, config.budget());
        Task.RunOutcome outcome;
        try {
            outcome = task.run(cx);
        } catch (Throwable fatal) {
            // Task.run already turns every failure of the future into a failed task; reaching here means the
            // runtime itself could not (e.g. a class that cannot be loaded while out of file descriptors).
            // The worker must survive: report and go on.
            reportFatal(task, fatal);
            return;
        }
        switch (outcome) {
            case IDLE, DONE -> {
            }
            case REQUEUE -> {
                // Woken during its own poll (yield, or a spent budget): back of the queue, not the LIFO slot.
                pushLocal(task);
                if (shouldNotifyOthers()) {
                    scheduler.notifyParkedFromWorker();
                }
            }
        }
    }

    private static void reportFatal(Task<?> task, Throwable fatal) {
        try {
            System.getLogger("dev.spindle.runtime").log(System.Logger.Level.ERROR,
                    "the runtime failed while running " + task + "; the worker goes on", fatal);
        } catch (Throwable ignored) {
            // not even logging works (out of descriptors or memory): keep the worker alive regardless
        }
    }

    private void park() {
        Idle idle = scheduler.idle;
        if (hasLocalWork()) {
            return;
        }
        boolean wasLast = idle.transitionToParked(index, searching);
        searching = false;
        if (wasLast && scheduler.hasWorkPending()) {
            // Work may have arrived after our last scan but before we were counted as parked.
            scheduler.notifyParked();
        }
        TimeDriver time = scheduler.time;
        for (;;) {
            if (scheduler.isTerminating()) {
                idle.unparkSelf(index);
                return;
            }
            parks++;
            if (scheduler.tryAcquireDriver(this)) {
                boolean watch = false;
                try {
                    long until = time.nextDeadlineTick();
                    time.setSleepingUntil(until); // volatile; then re-read the deadline (Dekker with register)
                    // Watch for stranded work while another worker is awake (see Scheduler.ensureWatcher).
                    watch = scheduler.othersAwake();
                    scheduler.setDriverWatching(watch);
                    if (time.nextDeadlineTick() == until) {
                        long nanos = time.nanosUntilNext();
                        if (watch && (nanos < 0 || nanos > Scheduler.STRANDED_WORK_CHECK_NANOS)) {
                            nanos = Scheduler.STRANDED_WORK_CHECK_NANOS;
                        }
                        if (config.eventDriver() != null) {
                            // Block in the event driver; its dispatched wakes land in this worker's queue.
                            firingTimers = true;
                            try {
                                if (nanos == 0) {
                                    config.eventDriver().poll(0); // a timer is due: just collect events
                                } else {
                                    parker.parkInDriver(nanos < 0 ? 0 : nanos);
                                }
                            } finally {
                                firingTimers = false;
                            }
                        } else if (nanos != 0) {
                            parker.park(nanos < 0 ? 0 : nanos);
                        }
                    }
                    scheduler.setDriverWatching(false);
                    time.setSleepingUntil(Long.MIN_VALUE);
                } finally {
                    scheduler.releaseDriver(this);
                }
                fireTimers(true);
                if (watch) {
                    scheduler.rescueStrandedWork(this);
                }
            } else {
                parker.park(0);
            }
            if (hasLocalWork()) {
                if (idle.unparkSelf(index)) {
                    searching = true; // a notifier had already counted us as searching
                }
                return;
            }
            if (idle.wasNotified(index)) {
                notifiedWakes++;
                searching = true;
                return;
            }
            // Timer tick with nothing for us, or a spurious wake-up: still parked.
        }
    }

    /** Racy snapshot of this worker's counters (plain fields written by the owner; approximate while running). */
    dev.spindle.WorkerMetrics snapshot() {
        return new dev.spindle.WorkerMetrics(index, thread.getName(), polls, steals, stolenTasks, parks, notifiedWakes,
                lifoPolls, overflowed, timersFired, queue.len(), cx.yields());
    }
}
