package dev.spindle.internal.scheduler;

import dev.spindle.internal.task.FaultReporter;
import dev.spindle.internal.task.Task;
import dev.spindle.internal.time.TimeDriver;
import dev.spindle.spi.EventDriver;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

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
 * past the cap the slot's task goes to the back of the queue. The slot's task is this worker's next poll, so
 * searchers leave it alone, except when the stranded-work watch has marked this worker {@link #stalled} (stuck
 * in a long poll with local work): then a searcher may take it, so a task is not stranded there for longer
 * than a watch period ({@link Scheduler#STRANDED_WORK_CHECK_NANOS}).
 * The slot is written by the owner (release) and emptied by the owner or a stealer with a CAS.
 *
 * <h2>Faults</h2>
 * Whatever escapes an iteration of the loop (an event driver that throws, a bug) is caught at the top of the
 * loop by {@link #recover}: it first puts the bookkeeping right (a worker that fails while parked takes itself
 * off the sleepers list; driver ownership and the timer driver's sleep mark are released by the {@code finally}
 * blocks the failure passed through), then reports the fault, backs off briefly so a fault that repeats cannot
 * spin a core, and goes on. A thread that died here would still be counted as parked, and every later
 * notification would be sent to it. Faults that repeat without end fail the runtime ({@link Scheduler#fail}).
 *
 * <h2>Ownership</h2>
 * Everything but {@code lifo} (and the queue's head, see {@link LocalQueue}) is owned by the worker thread.
 * The statistics other threads read are in {@link WorkerStats}: written by the owner, opaque, on their own lines.
 *
 * <h2>Layout</h2>
 * Three groups of fields, each on its own cache lines, by class-hierarchy padding (see package-info):
 * {@link WorkerShared}, what other threads read on their hot paths (the queue, the parker, {@code stalled}) and
 * nobody writes after construction but {@code stalled}; {@link WorkerLifo}, the LIFO slot, written by the owner
 * on every local spawn and wake and taken by stealers; and this class, the owner's state.
 * The statistics other threads read are in {@link WorkerStats}, padded on their own lines.
 *
 * <h2>Why one file of about 700 lines</h2>
 * It is one loop and the owner-only state the loop's steps share (the tick countdowns, the searching and parked
 * flags, the fault count); the steps (find work, search, run, park, recover) are methods of it rather than
 * classes, because each reads and writes that state on every iteration. What other threads touch is elsewhere:
 * the layout classes ({@link WorkerShared}, {@link WorkerLifo} and their padding), {@link WorkerStats},
 * {@link LocalQueue}, {@link Parker}.
 */
final class Worker extends WorkerPad2 implements Runnable {
    /**
     * After a failed steal pass (and a look at the event driver), how many times a searcher re-reads the other
     * queues' indices before it parks. A blind spin costs every request it delays: work that arrives as I/O is
     * not in any queue until somebody polls the selector, so spinning only delays it (a 50 us spin here once
     * cost the one-connection echo 40 % of its throughput and most of a core). What a spin can catch is a push
     * by another worker in the next microsecond or so (a spawn burst, a ping-pong partner); 64 reads of the
     * indices with a pause between them take a few microseconds, well under a park/unpark round trip.
     * Only index reads: they do not pull the victims' hot lines (LIFO slot, counters) into our cache.
     */
    static final int SEARCH_SPINS = 64;

    /**
     * Iterations of the loop in a row that may throw before this worker gives up and fails the runtime. One
     * failure is contained and the worker goes on; a failure on every iteration means this worker can no longer
     * run tasks, and the tasks waiting for it must learn why rather than hang. With the doubling backoff below
     * that is about 0.25 s of failures.
     */
    static final int WORKER_FAULT_LIMIT = 8;

    /** First backoff after a fault; it doubles with each fault in a row. */
    private static final long FAULT_BACKOFF_NANOS = 1_000_000L;
    /** Longest backoff after faults in a row: a failing worker still looks at its work ten times a second. */
    private static final long MAX_FAULT_BACKOFF_NANOS = 100_000_000L;

    private static final VarHandle LIFO;
    private static final VarHandle SPAWNED_LOCAL;
    private static final VarHandle COMPLETED_LOCAL;
    private static final VarHandle IN_TASK;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            LIFO = l.findVarHandle(WorkerLifo.class, "lifo", Task.class);
            SPAWNED_LOCAL = l.findVarHandle(Worker.class, "spawnedLocal", long.class);
            COMPLETED_LOCAL = l.findVarHandle(Worker.class, "completedLocal", long.class);
            IN_TASK = l.findVarHandle(Worker.class, "inTask", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Ticks left until the next maintenance step / inject-queue check: countdowns, not '%' (a division per tick). */
    private int untilMaintenance;
    private int untilInjectCheck;
    private boolean searching;
    /** In {@link Idle}'s sleepers list (between transitionToParked and leaving {@link #park()}). Owner only. */
    private boolean parked;
    /** Iterations of the loop in a row that threw (see {@link #recover}). Owner only. */
    private int faultsInRow;
    /**
     * True while this worker fires timers or polls the event driver: the wakes it dispatches then go to the back of
     * the queue in the order they come (timers in deadline order, events as the driver reports them), not through
     * the LIFO slot, which would run the last one first.
     */
    private boolean dispatchingDriverWakes;
    /** Scratch for {@link TimeDriver#fireDue(boolean, dev.spindle.internal.time.TimerEntry[], int)}: firing allocates nothing. */
    private final dev.spindle.internal.time.TimerEntry[] firedTimers = new dev.spindle.internal.time.TimerEntry[TimeDriver.FIRE_BATCH];
    /** Task ids are taken from the scheduler in blocks, so spawning does not contend on one counter. */
    private long nextId;
    private long idLimit;
    private int rng;
    /**
     * True while this worker runs a task ({@link Task#run}: a poll or a cancellation). A spawn from this thread counts
     * in this worker's counter only then (see {@link Scheduler#spawn}). Written by the owner only, opaque (the same mov
     * as a plain store on x86, but never merged away), so that the watchdog can tell a worker inside a poll from one
     * between polls ({@link #pollingTask()}); the task itself is the context's waker, which the worker stores anyway,
     * so no reference store is added per poll.
     */
    boolean inTask;

    /**
     * Tasks spawned here and tasks completed here: the live count ({@code Scheduler.liveTasks}) is derived from
     * them. Written by the owner only (a plain read of its own last write, then the store below); read by other
     * threads through {@link #spawns()} and {@link #completions()}.
     */
    @SuppressWarnings("unused")
    private long spawnedLocal; // accessed through SPAWNED_LOCAL
    @SuppressWarnings("unused")
    private long completedLocal; // accessed through COMPLETED_LOCAL


    Worker(int index, Scheduler scheduler, SchedulerConfig config) {
        super(index, scheduler, config);
        this.rng = 0x9E3779B9 * (index + 1);
        this.untilMaintenance = config.eventInterval();
        this.untilInjectCheck = config.globalQueueInterval();
    }

    /**
     * Owner only, from inside a task run: one more task spawned here. Opaque (no tearing of the long, no
     * ordering): a closing thread sees it through the completion of the task that spawned it (see
     * {@code Scheduler.liveTasks}).
     */
    void countSpawn() {
        SPAWNED_LOCAL.setOpaque(this, spawnedLocal + 1); // plain read: only this thread writes it
    }

    /**
     * Owner only: one more task completed here, after its outcome was published. Volatile: ordered before the
     * volatile read of {@code drainWaiter} that follows ({@code Scheduler.signalDrainWaiter}, a Dekker pair with
     * the waiter), and it releases everything the task did, including the spawn counts of the tasks it spawned,
     * to a thread that reads it with {@link #completions()}.
     */
    void countCompletion() {
        COMPLETED_LOCAL.setVolatile(this, completedLocal + 1); // plain read: only this thread writes it
    }

    /** Tasks spawned here so far (opaque; pairs with countSpawn). */
    long spawns() {
        return (long) SPAWNED_LOCAL.getOpaque(this);
    }

    /** Tasks completed here so far (volatile; pairs with countCompletion). */
    long completions() {
        return (long) COMPLETED_LOCAL.getVolatile(this);
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
        if (wake && !dispatchingDriverWakes && config.maxLifoPollsPerTick() > 0) {
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
        afterLocalSchedule();
    }

    /**
     * After queueing here: share the work if there is more than one task to share, else make sure the
     * stranded-work watch runs in case this worker then stalls in a long poll.
     */
    private void afterLocalSchedule() {
        if (shouldNotifyOthers()) {
            scheduler.notifyParkedFromWorker();
        } else if (!parked) {
            scheduler.ensureWatcher();
        }
        // Parked (dispatching events or firing timers from the park path): this worker leaves park() as soon as
        // the driver returns and runs the one task it just queued, so nothing is stranded behind it. Waking
        // another worker to watch cost a futex wake, a search and a park per request on a one-connection server.
        // Work queued later, while that task runs, calls ensureWatcher then (this worker is no longer parked).
    }

    /**
     * Owner only: queues a task spawned by the task running here. Into the LIFO slot when it is free, so a chain
     * of tasks that each spawn the next stays on this core, hot in cache, instead of being stolen across cores
     * (each hop a cache miss and often a wake-up); behind the slot's occupant otherwise, never displacing it (a
     * burst of spawns still runs in spawn order from the queue, where the others can steal it).
     */
    void spawnLocal(Task<?> task) {
        if (!dispatchingDriverWakes && config.maxLifoPollsPerTick() > 0 && LIFO.getAcquire(this) == null) {
            LIFO.setRelease(this, task); // publishes the task (stealers' getAcquire); only the owner fills the slot
        } else {
            pushLocal(task);
        }
        afterLocalSchedule();
    }

    private void pushLocal(Task<?> task) {
        int spilled = queue.push(task, overflowSink);
        if (spilled != 0) {
            stats.countOverflowed(spilled);
        }
    }

    /** Tokio's rule: wake another worker only if there is more than one task here to share. */
    private boolean shouldNotifyOthers() {
        if (searching) {
            return false;
        }
        int n = queue.len() + (LIFO.getOpaque(this) != null ? 1 : 0);
        return n > 1;
    }

    /**
     * The task being run now, or null: {@link #inTask} (opaque), then the context's waker (racy). From another thread
     * the pair may straddle two polls; the watchdog confirms what it saw a tick later (same task, same poll count).
     */
    Task<?> pollingTask() {
        if (!(boolean) IN_TASK.getOpaque(this)) {
            return null;
        }
        return cx.lastWaker() instanceof Task<?> t ? t : null;
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
                try {
                    runOnce();
                    if (faultsInRow != 0) {
                        faultsInRow = 0;
                    }
                } catch (Throwable fault) {
                    recover(fault);
                }
            }
        } finally {
            if (parked) {
                parked = false;
                scheduler.idle.unparkSelf(index);
            }
            if (searching) {
                searching = false;
                scheduler.idle.transitionFromSearching();
            }
        }
    }

    /** One iteration of the loop (see the class doc). */
    private void runOnce() {
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
            return;
        }
        park();
    }

    /**
     * An iteration threw. Puts the idle bookkeeping right, reports, backs off, and returns to the loop; fails the
     * runtime if faults keep coming (see {@link #WORKER_FAULT_LIMIT}, {@link Scheduler#DRIVER_FAILURE_LIMIT}).
     * Must not throw itself: it is the worker's last line.
     */
    private void recover(Throwable fault) {
        try {
            dispatchingDriverWakes = false;
            if (parked) {
                // Failed while parked (in the driver's poll): still on the sleepers list, where notifiers would
                // pick this worker and wait for a search it never does.
                parked = false;
                if (scheduler.idle.unparkSelf(index)) {
                    searching = true; // a notifier had already counted us as searching
                }
            }
            faultsInRow++;
            if (fault instanceof DriverFault df) {
                scheduler.faults().contain(FaultReporter.Kind.EVENT_DRIVER, df.where, df.getCause());
                if (df.failuresInRow >= Scheduler.DRIVER_FAILURE_LIMIT) {
                    scheduler.fail(new IllegalStateException("the runtime's event driver failed " + df.failuresInRow
                            + " polls in a row and was given up (last failure: " + df.getCause() + ")", df.getCause()), true);
                }
            } else {
                scheduler.faults().contain(FaultReporter.Kind.WORKER, "running worker " + thread.getName() + "'s loop", fault);
                if (faultsInRow >= WORKER_FAULT_LIMIT) {
                    scheduler.fail(new IllegalStateException("worker " + thread.getName() + " failed " + faultsInRow
                            + " times in a row (last failure: " + fault + ")", fault), false);
                }
            }
            long backoff = FAULT_BACKOFF_NANOS << Math.min(faultsInRow - 1, 20);
            LockSupport.parkNanos(this, Math.min(backoff, MAX_FAULT_BACKOFF_NANOS));
        } catch (Throwable ignored) {
            // even recovering failed (out of memory?): the loop goes on, and the next iteration tries again
        }
    }

    /** A failure of the event driver's poll, with what the worker was doing and how many polls in a row failed. */
    private static final class DriverFault extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String where;
        final int failuresInRow;

        DriverFault(String where, int failuresInRow, Throwable cause) {
            super(cause.toString(), cause, false, false); // no stack of its own: the cause has the one that matters
            this.where = where;
            this.failuresInRow = failuresInRow;
        }
    }

    /**
     * Driver owner only: one poll of the event driver, either without blocking or ({@code block}) parked in it
     * through the parker for up to {@code blockNanos} ({@code 0}: no limit). Keeps the count of failed polls in a
     * row, which only the owner touches. A poll that throws becomes a {@link DriverFault} for {@link #recover}.
     */
    private void pollDriver(EventDriver events, boolean block, long blockNanos, String where) {
        dispatchingDriverWakes = true; // event wakes go to the back of the queue, like timer wakes
        try {
            if (block) {
                parker.parkInDriver(blockNanos);
            } else {
                events.poll(0);
            }
            if (scheduler.driverFailuresInRow != 0) {
                scheduler.driverFailuresInRow = 0; // plain: guarded by driver ownership
            }
        } catch (Throwable failure) {
            throw new DriverFault(where, ++scheduler.driverFailuresInRow, failure);
        } finally {
            dispatchingDriverWakes = false;
        }
    }

    private void maintenance() {
        TimeDriver time = scheduler.time;
        if (time.anyDue()) {
            fireTimers(false);
        }
        EventDriver events = scheduler.activeEventDriver();
        if (events != null && scheduler.tryAcquireDriver(this)) {
            // A busy worker polls for events without blocking, so I/O is not starved under CPU load.
            try {
                pollDriver(events, false, 0, "polling for events between tasks");
            } finally {
                scheduler.releaseDriver();
            }
        }
    }

    private void fireTimers(boolean blocking) {
        dispatchingDriverWakes = true;
        try {
            // No more than fit in the run queue: the rest stay due in the wheel, not behind the inject queue's backlog.
            // But one at least, even into a full queue: a queue kept full by tasks that yield must not hold timers back
            // for ever (that one's push moves half the queue to the inject queue, so the next step finds room).
            int room = Math.max(queue.capacity() - queue.len(), 1);
            int fired = scheduler.time.fireDue(blocking, firedTimers, room);
            if (fired != 0) {
                stats.countTimersFired(fired);
            }
        } finally {
            dispatchingDriverWakes = false;
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

    /**
     * Looks for work as a searcher (at most half the workers search at once, see {@link Idle}): one steal pass
     * over the other workers and the inject queue; then, if nobody owns the event driver, one non-blocking poll
     * of it, so that I/O that became ready while we were busy turns into work here and now; then a short spin
     * that only reads queue indices ({@link #SEARCH_SPINS}), with one more pass if it saw something. Returns null
     * to park. A worker with nothing to do therefore burns a few microseconds, not a core.
     */
    private Task<?> search() {
        if (!searching) {
            if (!scheduler.idle.transitionToSearching()) {
                return null;
            }
            searching = true;
        }
        Task<?> t = stealPass();
        if (t != null) {
            return t;
        }
        EventDriver events = scheduler.activeEventDriver();
        if (events != null && scheduler.tryAcquireDriver(this)) {
            try {
                pollDriver(events, false, 0, "polling for events while searching");
            } finally {
                scheduler.releaseDriver();
            }
            t = takeLifo(); // dispatched wakes landed in our own queue (dispatchingDriverWakes: at its back)
            if (t == null) {
                t = queue.pop();
            }
            if (t != null) {
                return t;
            }
        }
        for (int i = 0; i < SEARCH_SPINS; i++) {
            Thread.onSpinWait();
            if (anyQueuedElsewhere()) {
                return stealPass();
            }
            if (scheduler.isTerminating()) {
                return null;
            }
        }
        return null;
    }

    /** One pass: every other worker's queue (from a random start), a stalled worker's LIFO slot, the inject queue. */
    private Task<?> stealPass() {
        Worker[] all = scheduler.workers;
        int n = all.length;
        int start = nextRandom(n);
        for (int i = 0; i < n; i++) {
            Worker victim = all[(start + i) % n];
            if (victim == this) {
                continue;
            }
            Task<?> t = victim.queue.stealInto(queue);
            if (t != null) {
                stats.countSteal(1 + queue.len());
                return t;
            }
            // The LIFO slot belongs to its worker, which runs it next; take it only from a worker the stranded-work
            // watch found stuck in a long poll (Scheduler.rescueStrandedWork), never from a busy one.
            if (victim.stalled && victim.queue.isEmpty()) {
                t = victim.stealLifo();
                if (t != null) {
                    stats.countSteal(1);
                    return t;
                }
            }
        }
        return takeInjectBatch();
    }

    /** Whether another worker's queue or the inject queue holds work: index reads only. */
    private boolean anyQueuedElsewhere() {
        if (!scheduler.inject.isEmpty()) {
            return true;
        }
        for (Worker w : scheduler.workers) {
            if (w != this && !w.queue.isEmpty()) {
                return true;
            }
        }
        return false;
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
            stats.countLifoPoll();
            runOne(next);
        }
    }

    private void runOne(Task<?> task) {
        stats.countPoll(); // opaque: the watchdog compares it across ticks, so each increment must reach memory
        cx.prepare(task, config.budget());
        Task.RunOutcome outcome;
        IN_TASK.setOpaque(this, true);
        try {
            outcome = task.run(cx);
        } catch (Throwable fatal) {
            // Task.run already turns every failure of the future into a failed task; reaching here means the
            // runtime itself could not (e.g. a class that cannot be loaded while out of file descriptors).
            // The worker must survive: report and go on.
            reportFatal(task, fatal);
            return;
        } finally {
            IN_TASK.setOpaque(this, false);
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

    private void reportFatal(Task<?> task, Throwable fatal) {
        scheduler.faults().contain(FaultReporter.Kind.WORKER, "running " + task, fatal); // never throws
    }

    private void park() {
        Idle idle = scheduler.idle;
        if (hasLocalWork()) {
            return;
        }
        boolean wasLast = idle.transitionToParked(index, searching);
        parked = true;
        searching = false;
        if (wasLast && scheduler.hasWorkPending()) {
            // Work may have arrived after our last scan but before we were counted as parked.
            scheduler.notifyParked();
        }
        TimeDriver time = scheduler.time;
        for (;;) {
            if (scheduler.isTerminating()) {
                parked = false;
                idle.unparkSelf(index);
                return;
            }
            stats.countPark();
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
                        EventDriver events = scheduler.activeEventDriver();
                        if (events != null) {
                            // Block in the event driver; its dispatched wakes land in this worker's queue.
                            if (nanos == 0) {
                                pollDriver(events, false, 0, "collecting events before firing a due timer");
                            } else {
                                pollDriver(events, true, nanos < 0 ? 0 : nanos, "waiting for events while parked");
                            }
                        } else if (nanos != 0) {
                            parker.park(nanos < 0 ? 0 : nanos);
                        }
                    }
                } finally {
                    // Also on a fault: the next owner must not believe a sleeper is watching or sleeping.
                    scheduler.setDriverWatching(false);
                    time.setSleepingUntil(Long.MIN_VALUE);
                    scheduler.releaseDriver();
                }
                fireTimers(true);
                if (watch) {
                    scheduler.rescueStrandedWork(this);
                }
            } else {
                parker.park(0);
            }
            if (hasLocalWork()) {
                parked = false;
                if (idle.unparkSelf(index)) {
                    searching = true; // a notifier had already counted us as searching
                }
                return;
            }
            if (idle.wasNotified(index)) {
                parked = false;
                stats.countNotifiedWake();
                searching = true;
                return;
            }
            // Timer tick with nothing for us, or a spurious wake-up: still parked.
        }
    }

    /** Racy snapshot of this worker's counters (opaque reads, see {@link WorkerStats}; approximate while running). */
    dev.spindle.WorkerMetrics snapshot() {
        WorkerStats st = stats;
        return new dev.spindle.WorkerMetrics(index, thread.getName(), st.polls(), st.steals(), st.stolenTasks(),
                st.parks(), st.notifiedWakes(), st.lifoPolls(), st.overflowed(), st.timersFired(), queue.len(),
                cx.yields());
    }
}
