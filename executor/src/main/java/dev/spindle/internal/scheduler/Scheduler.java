package dev.spindle.internal.scheduler;

import dev.spindle.Future;
import dev.spindle.JoinHandle;
import dev.spindle.RuntimeClosedException;
import dev.spindle.internal.task.FaultReporter;
import dev.spindle.internal.task.Task;
import dev.spindle.internal.task.TaskScheduler;
import dev.spindle.internal.time.TimeDriver;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The multi-threaded work-stealing scheduler behind a runtime: workers, the inject queue, idle
 * coordination, the timer driver, the list of live tasks, and shutdown.
 *
 * <h2>Where a scheduled task goes</h2>
 * <ul>
 *   <li>woken on one of this scheduler's workers: that worker's LIFO slot ({@link Worker#scheduleLocal});</li>
 *   <li>spawned on one of its workers: the back of that worker's queue;</li>
 *   <li>from any other thread (foreign, virtual, another runtime's worker): the inject queue, then
 *       {@link #notifyParked()}.</li>
 * </ul>
 *
 * <h2>Shutdown, step by step</h2>
 * <ol>
 *   <li>{@code closed} is set: {@link #spawn} and {@link #spawnBlocking} refuse with
 *       {@link RuntimeClosedException}.</li>
 *   <li>Graceful only: wait until every live task has completed, or the grace period ends.</li>
 *   <li>The live-task list is closed (no task can be added after the sweep) and every live task is
 *       aborted; blocking tasks are interrupted. Workers, still running, run the release hooks.</li>
 *   <li>Wait until no task is live; then {@code terminating} is set, every worker is unparked, exits its
 *       loop, and is joined. No thread is left behind.</li>
 * </ol>
 * An interrupt of the closing thread does not cut these waits short: the release hooks must run and the
 * handles must complete, or sockets leak and joiners hang. The interrupt status is restored on return.
 * A blocking body ({@link #spawnBlocking}) that ignores its interrupt delays close until it returns, with a
 * warning every 10 s naming its thread and where it is: returning with it still running would break the
 * promise that no thread of the runtime is left.
 *
 * <h2>Faults</h2>
 * What a driver, a waker, a timer or a release hook throws is contained where it is called and counted in
 * {@link #faults()} (see {@link FaultReporter}); the worker goes on. A fault that cannot be survived (an event
 * driver that fails {@link #DRIVER_FAILURE_LIMIT} polls in a row, a worker whose loop fails
 * {@link Worker#WORKER_FAULT_LIMIT} times in a row) <em>fails</em> the runtime ({@link #fail}): it is logged at
 * ERROR, new work is refused, and every live task is cancelled with the cause, so every waiter wakes and
 * learns why. {@code close()} still drains as usual.
 */
public final class Scheduler implements TaskScheduler {
    private static final System.Logger LOG = System.getLogger("dev.spindle.runtime");

    private static final VarHandle DRIVER_OWNER;
    private static final VarHandle FAILURE;

    /**
     * Event-driver polls that may throw in a row before the driver is given up and the runtime fails. A driver
     * that fails once (a selector hiccup, a bug hit once) is reported and polled again after a short backoff;
     * one that fails on every poll (closed under the runtime, its selector broken) will not recover, and the
     * tasks waiting on it would wait forever. 8 polls with the worker's doubling backoff is about 0.25 s.
     */
    static final int DRIVER_FAILURE_LIMIT = 8;

    static {
        try {
            DRIVER_OWNER = MethodHandles.lookup().findVarHandle(Scheduler.class, "driverOwner", Worker.class);
            FAILURE = MethodHandles.lookup().findVarHandle(Scheduler.class, "failure", Throwable.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final SchedulerConfig config;
    final Worker[] workers;
    final InjectQueue inject = new InjectQueue();
    final Idle idle;
    final TimeDriver time;
    private final OwnedTasks owned;
    private final Object facade;

    private final AtomicLong nextTaskId = new AtomicLong(1);
    private final LongAdder spawned = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final ConcurrentHashMap<BlockingTask<?>, Boolean> blockingTasks = new ConcurrentHashMap<>();

    private volatile boolean closed;
    private volatile boolean terminating;
    /** Why the runtime failed (see {@link #fail}), or null. Set once, by CAS. */
    @SuppressWarnings("unused")
    private volatile Throwable failure;
    /** Set when the event driver can no longer be used (it failed too often): workers then park without it. */
    private volatile boolean driverDisabled;
    /**
     * Driver polls that threw, in a row. Guarded by driver ownership ({@link #tryAcquireDriver}'s CAS acquires,
     * {@link #releaseDriver}'s release store publishes): only the owner reads or writes it.
     */
    int driverFailuresInRow;
    private final FaultReporter faults;
    /** Set when someone waits for the live count to drop to zero; completers then signal {@code drained}. */
    private volatile boolean drainWaiter;
    private final Object drained = new Object();

    /**
     * How often the parked worker that owns the driver checks, while other workers are awake, for work
     * stranded behind a worker stuck in a long poll (a task in its LIFO slot or queue that nobody was woken
     * to steal, because one task alone does not justify waking a worker). 10 ms: long enough that the
     * check costs nothing measurable (100 wake-ups a second, only while the runtime is busy), short enough
     * that a stranded task waits about as long as a scheduler time slice. An idle runtime never checks.
     */
    static final long STRANDED_WORK_CHECK_NANOS = 10_000_000L;

    /** Whether the driver owner is parked in watch mode (periodic stranded-work checks). */
    private volatile boolean driverWatching;
    /** Polls of each worker at the last check; touched only by the driver owner. */
    private final long[] pollsAtLastCheck;

    /** The worker that owns the timer driver while parked, or null. CAS to acquire, release store to let go. */
    @SuppressWarnings("unused")
    private volatile Worker driverOwner;

    public Scheduler(SchedulerConfig config, Object facade) {
        this.config = config;
        this.facade = facade;
        this.faults = new FaultReporter(config.threadNamePrefix());
        this.idle = new Idle(config.workers());
        this.owned = new OwnedTasks(config.workers());
        this.time = new TimeDriver(config.workers(), this::wakeDriverOwner); // a timer shard per worker
        this.workers = new Worker[config.workers()];
        this.pollsAtLastCheck = new long[config.workers()];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i, this, config);
        }
    }

    /** Starts the worker threads. */
    public void start() {
        for (Worker w : workers) {
            w.thread.start();
        }
    }

    /** The public runtime object this scheduler belongs to. */
    public Object facade() {
        return facade;
    }

    public TimeDriver time() {
        return time;
    }

    public SchedulerConfig config() {
        return config;
    }

    /** The scheduler of the worker running on the calling thread, or null. */
    public static Scheduler current() {
        Worker w = WorkerThread.currentWorker();
        return w == null ? null : w.scheduler;
    }

    /** The index of the worker running on the calling thread (its timer shard, see TimeDriver), or 0. */
    public static int currentWorkerIndex() {
        Worker w = WorkerThread.currentWorker();
        return w == null ? 0 : w.index;
    }

    boolean isTerminating() {
        return terminating;
    }

    public boolean isClosed() {
        return closed;
    }

    // ---- spawning ------------------------------------------------------------------------------------

    /**
     * Spawns {@code future} as a task. {@code observed}: somebody will await the handle for sure (blockOn),
     * so a failure is not reported as unobserved.
     */
    public <T> JoinHandle<T> spawn(Future<T> future, boolean observed) {
        if (closed) {
            throw closedError("spawn");
        }
        Worker w = WorkerThread.currentWorker();
        boolean local = w != null && w.scheduler == this;
        Task<T> task = new Task<>(local ? w.nextTaskId() : nextTaskId.getAndIncrement(), future, this);
        if (observed) {
            task.markObserved();
        }
        if (!owned.add(task)) {
            throw closedError("spawn");
        }
        if (local) {
            w.spawnedLocal++;
            w.spawnLocal(task);
        } else {
            spawned.increment();
            inject.push(task);
            notifyParked();
        }
        return task;
    }

    /** Runs {@code body} on a new virtual thread. */
    public <T> JoinHandle<T> spawnBlocking(Callable<T> body, Runnable enter, Runnable exit) {
        if (closed) {
            throw closedError("spawnBlocking");
        }
        BlockingTask<T> task = new BlockingTask<>(nextTaskId.getAndIncrement(), body, this, enter, exit);
        blockingTasks.put(task, Boolean.TRUE);
        if (closed) { // close() may have swept the set before our put: undo and refuse
            blockingTasks.remove(task);
            throw closedError("spawnBlocking");
        }
        spawned.increment();
        task.start(config.threadNamePrefix() + "blocking-" + task.id());
        return task;
    }

    private RuntimeClosedException closedError(String op) {
        Throwable cause = failure();
        if (cause != null) {
            RuntimeClosedException e = new RuntimeClosedException(op + "() on a failed Spindle runtime: it failed ("
                    + cause + ") and accepts no new work. Close it and create a new runtime.");
            e.initCause(cause);
            return e;
        }
        return new RuntimeClosedException(op + "() on a closed Spindle runtime: it is shutting down or closed and "
                + "accepts no new work. Spawn before calling close()/shutdown(..), or create a new runtime.");
    }

    // ---- TaskScheduler -------------------------------------------------------------------------------

    @Override
    public void schedule(Task<?> task, boolean fromWake) {
        Worker w = WorkerThread.currentWorker();
        if (w != null && w.scheduler == this && !terminating) {
            w.scheduleLocal(task, fromWake);
        } else {
            inject.push(task);
            notifyParked();
        }
    }

    @Override
    public void taskCompleted(Task<?> task, Throwable unobservedFailure) {
        owned.remove(task);
        Worker w = WorkerThread.currentWorker();
        if (w != null && w.scheduler == this) {
            w.completedLocal++;
        } else {
            completed.increment();
        }
        finished(task.isCancelled(), task.isFailed());
        if (unobservedFailure != null) {
            reportUnobserved(task.id(), unobservedFailure);
        }
    }

    void blockingCompleted(BlockingTask<?> task, Throwable unobservedFailure) {
        blockingTasks.remove(task);
        completed.increment();
        finished(task.isCancelled(), task.isFailed());
        if (unobservedFailure != null) {
            reportUnobserved(task.id(), unobservedFailure);
        }
    }

    private void finished(boolean wasCancelled, boolean wasFailed) {
        if (wasCancelled) {
            cancelled.increment();
        } else if (wasFailed) {
            failed.increment();
        }
        if (drainWaiter) { // volatile; set before the waiter checks the count (see awaitDrained)
            synchronized (drained) {
                drained.notifyAll();
            }
        }
    }

    private void reportUnobserved(long id, Throwable failure) {
        Thread.UncaughtExceptionHandler h = config.handler();
        try {
            if (h != null) {
                h.uncaughtException(Thread.currentThread(), new dev.spindle.TaskFailedException(
                        "task #" + id + " failed and nobody was awaiting its JoinHandle", failure));
            } else {
                LOG.log(System.Logger.Level.WARNING, "task #" + id + " failed and nobody was awaiting its JoinHandle", failure);
            }
        } catch (Throwable handlerFailure) {
            LOG.log(System.Logger.Level.ERROR, "uncaught-exception handler threw", handlerFailure);
        }
    }

    @Override
    public void reportHookFailure(Task<?> task, Throwable failure) {
        faults.contain(FaultReporter.Kind.RELEASE_HOOK, "cancelling task #" + task.id(), failure);
        Thread.UncaughtExceptionHandler h = config.handler();
        if (h != null) {
            try {
                h.uncaughtException(Thread.currentThread(), failure);
            } catch (Throwable ignored) {
                // the handler's own failure is not allowed to kill a worker
            }
        }
    }

    @Override
    public Throwable failure() {
        return (Throwable) FAILURE.getVolatile(this); // pairs with the CAS in fail()
    }

    /** Where this runtime's contained faults are counted. */
    public FaultReporter faults() {
        return faults;
    }

    /**
     * The runtime cannot go on (see the class comment, "Faults"): logs {@code cause} at ERROR once, refuses new
     * work, and cancels every live task with {@code cause}, so each waiter wakes and learns why. Workers keep
     * running the cancellations; {@code close()} then drains and stops them as usual. Any thread; only the
     * first call acts. {@code driverDead}: the event driver is not polled again.
     */
    void fail(Throwable cause, boolean driverDead) {
        if (driverDead) {
            driverDisabled = true; // volatile; workers read it before each driver poll
        }
        if (!FAILURE.compareAndSet(this, null, cause)) { // volatile; pairs with failure()
            return;
        }
        try {
            LOG.log(System.Logger.Level.ERROR, "Spindle runtime '" + config.threadNamePrefix() + "' failed: " + cause
                    + ". It refuses new work and cancels every task with this cause; close() it and create a new"
                    + " runtime.", cause);
        } catch (Throwable ignored) {
            // logging failed too: the cancellations below still tell every waiter
        }
        closed = true;
        cancelAll();
        for (Worker w : workers) {
            w.parker.unpark(); // run the cancellations now, not at the next wake
        }
    }

    /** The event driver, unless there is none or it was given up after failing ({@link #fail}). */
    dev.spindle.spi.EventDriver activeEventDriver() {
        dev.spindle.spi.EventDriver d = config.eventDriver();
        return d == null || driverDisabled ? null : d;
    }

    // ---- idle coordination ---------------------------------------------------------------------------

    /** Ids handed to a worker at a time (see {@link Worker#nextTaskId()}). */
    static final int ID_BLOCK = 1024;

    long reserveIds(int n) {
        return nextTaskId.getAndAdd(n);
    }

    /**
     * A worker pushed to its own queue: wake a parked worker if it looks needed (see
     * {@link Idle#mayNeedWake()} for why the unfenced pre-check is safe there).
     */
    void notifyParkedFromWorker() {
        if (idle.mayNeedWake()) {
            notifyParked();
        }
    }

    /** New work is queued: wake a parked worker if nobody is searching. */
    void notifyParked() {
        int w = idle.workerToNotify();
        if (w >= 0) {
            workers[w].parker.unpark();
        }
    }

    /** Whether any queue holds work (the last searcher's re-check before parking). */
    boolean hasWorkPending() {
        if (!inject.isEmpty()) {
            return true;
        }
        for (Worker w : workers) {
            if (w.hasLocalWork()) {
                return true;
            }
        }
        return false;
    }

    boolean tryAcquireDriver(Worker w) {
        return DRIVER_OWNER.compareAndSet(this, null, w); // volatile; pairs with the release in releaseDriver
    }

    void releaseDriver(Worker w) {
        DRIVER_OWNER.setRelease(this, null);
    }

    // ---- stranded work -------------------------------------------------------------------------------

    /** Whether some worker other than the (parked) caller is awake. */
    boolean othersAwake() {
        return idle.unparkedHint() > 0;
    }

    void setDriverWatching(boolean watching) {
        driverWatching = watching; // volatile; read by ensureWatcher
    }

    /**
     * A worker queued work without waking anybody (one task, see {@link Worker#scheduleLocal}). If it then
     * stalls in a long poll, only the driver's watch can rescue that task: make sure somebody is watching.
     * Cheap when it matters (an opaque and a volatile read); it unparks at most one worker per transition
     * of the runtime from idle to busy.
     */
    void ensureWatcher() {
        if (workers.length == 1 || idle.unparkedHint() == workers.length || driverWatching) {
            return; // nobody could help, nobody is parked, or somebody already watches
        }
        Worker d = (Worker) DRIVER_OWNER.getVolatile(this);
        if (d != null) {
            d.parker.unpark(); // it re-parks in watch mode, since a worker is awake
            return;
        }
        int s = idle.anySleeper();
        if (s >= 0) {
            workers[s].parker.unpark(); // a spurious wake for it: it takes the driver and watches
        }
    }

    /** Driver owner only, after a watch period: wakes a searcher for work stuck behind a stalled worker. */
    void rescueStrandedWork(Worker self) {
        for (int i = 0; i < workers.length; i++) {
            Worker w = workers[i];
            if (w == self) {
                continue;
            }
            long polls = w.polls; // racy read of the owner's counter: a hint
            boolean stuck = polls == pollsAtLastCheck[i] && w.hasLocalWork();
            if (w.stalled != stuck) {
                w.stalled = stuck; // volatile; read by searchers before they take its LIFO slot
            }
            if (stuck) {
                notifyParked();
            }
            pollsAtLastCheck[i] = polls;
        }
    }

    /** A timer was registered with a deadline earlier than the driver owner's sleep: wake it. */
    private void wakeDriverOwner() {
        Worker w = (Worker) DRIVER_OWNER.getVolatile(this);
        if (w != null) {
            w.parker.unpark();
        }
    }

    // ---- shutdown ------------------------------------------------------------------------------------

    /**
     * Graceful: refuses new work and waits up to {@code grace} for live tasks to finish; returns true if they
     * all did. Then cancels what is left and stops the workers.
     */
    public boolean shutdown(Duration grace) {
        checkNotOnWorker("shutdown(Duration)");
        closed = true;
        long deadline = System.nanoTime() + grace.toNanos();
        boolean clean = awaitDrained(deadline);
        terminate();
        return clean;
    }

    /** Cancels every live task at once and stops the workers; returns how many tasks it cancelled. */
    public int shutdownNow() {
        checkNotOnWorker("shutdownNow()/close()");
        closed = true;
        int n = terminate();
        return n;
    }

    private int terminate() {
        int count = 0;
        if (!terminating) {
            count = cancelAll();
            awaitDrained(Long.MAX_VALUE);
            terminating = true;
        }
        for (Worker w : workers) {
            w.parker.unpark();
        }
        boolean interrupted = false;
        for (Worker w : workers) {
            while (w.thread.isAlive()) {
                try {
                    w.thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        closeEventDriver();
        return count;
    }

    /**
     * Closes the live-task list and aborts every task in it and every blocking task; returns how many were not
     * done yet. Safe to repeat (aborting a done or aborted task does nothing).
     */
    private int cancelAll() {
        int[] count = {0};
        owned.close();
        owned.forEach(t -> {
            if (!t.isDone()) {
                count[0]++;
                t.abort();
            }
        });
        for (BlockingTask<?> b : new ArrayList<>(blockingTasks.keySet())) {
            if (!b.isDone()) {
                count[0]++;
            }
            b.abort();
        }
        return count[0];
    }

    private boolean eventDriverClosed;

    /** Closes the event driver once, after the workers have exited. */
    private synchronized void closeEventDriver() {
        dev.spindle.spi.EventDriver d = config.eventDriver();
        if (d != null && !eventDriverClosed) {
            eventDriverClosed = true;
            try {
                d.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "closing the event driver failed", e);
            }
        }
    }

    /**
     * Waits until no task is live or the deadline ({@link System#nanoTime()}) passes. An interrupt does not end
     * the wait (the caller's promise is to drain); it is remembered and the status restored on return.
     */
    private boolean awaitDrained(long deadlineNanos) {
        drainWaiter = true; // volatile write before reading the count; completers read it after completing
        long lastLog = System.nanoTime();
        boolean interrupted = false;
        try {
            synchronized (drained) {
                while (liveTasks() > 0) {
                    long now = System.nanoTime();
                    if (deadlineNanos != Long.MAX_VALUE && now - deadlineNanos >= 0) {
                        return false;
                    }
                    long waitNanos = deadlineNanos == Long.MAX_VALUE ? 1_000_000_000L : Math.min(deadlineNanos - now, 1_000_000_000L);
                    if (deadlineNanos == Long.MAX_VALUE && now - lastLog > SHUTDOWN_WARNING_NANOS) {
                        lastLog = now;
                        LOG.log(System.Logger.Level.WARNING, "shutdown is waiting for " + liveTasks()
                                + " task(s) to finish their current poll, release hook or blocking body"
                                + describeRunningBlockingTasks());
                    }
                    try {
                        drained.wait(Math.max(1, waitNanos / 1_000_000));
                    } catch (InterruptedException e) {
                        interrupted = true; // the status is cleared: waiting again blocks, no spin
                    }
                }
            }
            return true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Between two "shutdown is waiting" warnings: often enough to be seen, rare enough not to flood. */
    private static final long SHUTDOWN_WARNING_NANOS = 10_000_000_000L;

    /** For the shutdown warning: the blocking bodies still running, their threads and where they are. */
    private String describeRunningBlockingTasks() {
        StringBuilder b = new StringBuilder();
        int shown = 0;
        for (BlockingTask<?> t : blockingTasks.keySet()) {
            if (shown++ == 5) {
                b.append("\n  ...");
                break;
            }
            b.append("\n  ").append(t.describeRunning());
        }
        return b.isEmpty() ? "" : "; blocking bodies still running (a body that ignores interrupts delays close()"
                + " until it returns):" + b;
    }

    private long liveTasks() {
        return owned.count() + blockingTasks.size();
    }

    private void checkNotOnWorker(String op) {
        Worker w = WorkerThread.currentWorker();
        if (w != null && w.scheduler == this) {
            throw new IllegalStateException(op + " called from a task on worker '" + w.thread.getName()
                    + "' of the same runtime: it would wait for itself. Close the runtime from outside its workers"
                    + " (e.g. from spawnBlocking or the thread that created it).");
        }
    }

    /** Whether every worker thread has exited. */
    public boolean isTerminated() {
        for (Worker w : workers) {
            if (w.thread.isAlive()) {
                return false;
            }
        }
        return terminating;
    }

    // ---- metrics -------------------------------------------------------------------------------------

    public long spawnedCount() {
        long n = spawned.sum();
        for (Worker w : workers) {
            n += w.spawnedLocal;
        }
        return n;
    }

    public long completedCount() {
        long n = completed.sum();
        for (Worker w : workers) {
            n += w.completedLocal;
        }
        return n;
    }

    public long failedCount() {
        return failed.sum();
    }

    public long cancelledCount() {
        return cancelled.sum();
    }

    public long liveCount() {
        return liveTasks();
    }

    public int injectDepth() {
        return inject.size();
    }

    public int parkedWorkers() {
        return idle.parkedCount();
    }

    public int searchingWorkers() {
        return idle.searchingCount();
    }

    public int timers() {
        return time.size();
    }

    /** Per-worker counters, in worker order. */
    public List<dev.spindle.WorkerMetrics> workerMetrics() {
        List<dev.spindle.WorkerMetrics> out = new ArrayList<>(workers.length);
        for (Worker w : workers) {
            out.add(w.snapshot());
        }
        return out;
    }

}
