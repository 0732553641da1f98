package dev.spindle.internal.scheduler;

import dev.spindle.Future;
import dev.spindle.JoinHandle;
import dev.spindle.RuntimeClosedException;
import dev.spindle.internal.task.FaultReporter;
import dev.spindle.internal.task.Task;
import dev.spindle.internal.task.TaskScheduler;
import dev.spindle.diagnostics.BusyLoop;
import dev.spindle.diagnostics.BusyLoopPolicy;
import dev.spindle.diagnostics.TaskDump;
import dev.spindle.diagnostics.TaskInfo;
import dev.spindle.internal.diagnostics.Reporter;
import dev.spindle.internal.diagnostics.SpawnSites;
import dev.spindle.internal.time.TimeDriver;
import dev.spindle.internal.time.TimerEntry;

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
 *   <li>The {@link Lifecycle} moves to {@code CLOSED}: {@link #spawn} and {@link #spawnBlocking} refuse with
 *       {@link RuntimeClosedException}.</li>
 *   <li>Graceful only: wait until every live task has completed, or the grace period ends.</li>
 *   <li>Cancel everything ({@link #cancelAll}): the lifecycle moves to {@code CANCELLING}, so a task that was never polled
 *       is cancelled by the worker that takes it instead of being polled ({@link #admitFirstPoll}); the list of
 *       waiting tasks ({@link OwnedTasks}) is closed, so a first poll that returns Pending after that finds it
 *       closed and cancels its task ({@link #register}); every task in it is aborted; blocking tasks are
 *       interrupted. Workers, still running, run the release hooks.</li>
 *   <li>Wait until no task is live ({@link #liveTasks}); then the lifecycle moves to {@code TERMINATING}, every worker is
 *       unparked, exits its loop, and is joined. No thread is left behind.</li>
 * </ol>
 * A task reaches the list only when its first poll returns Pending (see "Lazy registration" in {@code Task}):
 * spawning a task and completing it on its first poll touch no shared lock. Every task is still cancelled exactly
 * once: one taken from a queue after {@code CANCELLING} was reached is never polled; one whose first poll read
 * the flag before it was set either completes (Ready) or registers while RUNNING, and then either the add came
 * before {@code close()} locked its shard, so the sweep that follows (it takes the same lock) aborts it, or the
 * add is refused and the worker, which still owns the task, cancels it.
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
 *
 * <h2>Why one file of about 900 lines</h2>
 * It is the state every worker and every outside thread shares (the lifecycle, the spawn and completion counts,
 * the inject queue, driver ownership), and each section below reads most of it: spawning and shutdown meet in the
 * live count, the stranded-work watch in driver ownership and the workers. The parts with a protocol of their own
 * already live apart ({@link Lifecycle}, {@link Idle}, {@link OwnedTasks}, {@link Watchdog}, {@link BlockingTask});
 * the sections, in order: diagnostics, spawning, the {@code TaskScheduler} hooks, idle coordination, stranded
 * work, shutdown, metrics.
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
    private final DiagnosticsConfig diagnostics;
    private final long busyLoopWindowNanos;
    private final Reporter reporter;
    /** See {@link #onTerminate}. */
    private final List<Runnable> terminationHooks = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The detectors' thread, or null when diagnostics are off. */
    private final Watchdog watchdog;

    private final AtomicLong nextTaskId = new AtomicLong(1);
    private final LongAdder spawned = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    /** Blocking tasks only (spawnBlocking), for the metrics: {@code spawned}/{@code completed} count tasks. */
    private final LongAdder blockingSpawned = new LongAdder();
    private final LongAdder blockingCompleted = new LongAdder();
    /** Tasks cancelled by their first poll or their registration because every task was being cancelled. */
    private final LongAdder cancelledUnregistered = new LongAdder();
    private final ConcurrentHashMap<BlockingTask<?>, Boolean> blockingTasks = new ConcurrentHashMap<>();

    /**
     * RUNNING, CLOSED (new work refused), CANCELLING (set by {@link #cancelAll} before it closes the list of
     * waiting tasks, read by {@link #admitFirstPoll} before every first poll: from then on no task starts, it is
     * cancelled instead), TERMINATING (workers leave); and whether the event driver was given up.
     */
    private final Lifecycle lifecycle = new Lifecycle();
    /** Why the runtime failed (see {@link #fail}), or null. Set once, by CAS. */
    @SuppressWarnings("unused")
    private Throwable failure;
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
    private Worker driverOwner;

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
        this.diagnostics = config.diagnostics();
        this.busyLoopWindowNanos = diagnostics.busyLoopWindow().toNanos();
        this.reporter = new Reporter(diagnostics.runtimeName(), diagnostics.listener());
        this.watchdog = diagnostics.enabled() ? new Watchdog(this) : null;
    }

    /**
     * Runs {@code hook} once when the runtime has terminated (the end of shutdown, shutdownNow or close, even one
     * that threw): the observers a runtime registered on start (JMX, JFR) leave with it.
     */
    public void onTerminate(Runnable hook) {
        terminationHooks.add(hook);
    }

    /** Starts the worker threads, and the watchdog if diagnostics are on. */
    public void start() {
        for (Worker w : workers) {
            w.thread.start();
        }
        if (watchdog != null) {
            watchdog.start();
        }
    }

    // ---- diagnostics (TaskScheduler hooks, the dump) -----------------------------------------------------

    public Reporter reporter() {
        return reporter;
    }

    @Override
    public String runtimeName() {
        return reporter.runtime();
    }

    @Override
    public boolean detectsBusyLoops() {
        return diagnostics.enabled();
    }

    @Override
    public long busyLoopWindowNanos() {
        return busyLoopWindowNanos;
    }

    @Override
    public BusyLoopPolicy busyLoop(Task<?> task, long polls, long selfWakes, long nanos, boolean firstInStreak) {
        BusyLoopPolicy policy = diagnostics.busyLoopPolicy();
        reporter.reportLater(new BusyLoop(reporter.runtime(), task.info(TaskInfo.State.RUNNING), polls, selfWakes,
                Duration.ofNanos(nanos), policy), firstInStreak); // delivered by the watchdog: workers never log
        if (policy == BusyLoopPolicy.ABORT) {
            reporter.aborted();
        }
        return policy;
    }

    @Override
    public void throttled(int delta) {
        reporter.throttled(delta);
    }

    /**
     * A throttled task's poll, deferred: a timer queues it again after {@code nanos}. The task stays NOTIFIED, so this
     * timer is its one queue entry (see {@code Task.deferThrottled}). Allocates a timer entry per deferral; only
     * throttled tasks pay it, at most ten times a second each once the backoff has grown.
     */
    @Override
    public void deferPoll(Task<?> task, long nanos) {
        if (lifecycle.isTerminating()) {
            schedule(task, false); // the workers are leaving: run it now (it is being cancelled)
            return;
        }
        TimerEntry entry = new TimerEntry(() -> schedule(task, false));
        if (!time.register(entry, System.nanoTime() + nanos, currentWorkerIndex())) {
            schedule(task, false);
        }
    }

    /** Every live task now (see {@code SpindleRuntime.dump()}). */
    public TaskDump dump() {
        java.util.Set<Task<?>> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        List<TaskInfo> infos = new ArrayList<>();
        for (Worker w : workers) {
            Task<?> t = w.pollingTask();
            if (t != null && seen.add(t)) {
                infos.add(t.info(null));
            }
        }
        owned.forEach(t -> {
            if (seen.add(t) && !t.isDone()) {
                infos.add(t.info(watchdog != null && watchdog.isLost(t) ? TaskInfo.State.LOST : null));
            }
        });
        for (BlockingTask<?> b : blockingTasks.keySet()) {
            infos.add(b.info());
        }
        long unlisted = Math.max(0, liveTasks() - infos.size());
        return new TaskDump(reporter.runtime(), java.time.Instant.now(), infos, unlisted);
    }

    /** The tasks in the list of waiting tasks (snapshot), for the watchdog's lost-wakeup scan. */
    void forEachRegistered(java.util.function.Consumer<Task<?>> action) {
        owned.forEach(action);
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
        return lifecycle.isTerminating();
    }

    public boolean isClosed() {
        return lifecycle.isClosed();
    }

    // ---- spawning ------------------------------------------------------------------------------------

    /**
     * Spawns {@code future} as a task. {@code observed}: somebody will await the handle for sure (blockOn),
     * so a failure is not reported as unobserved.
     */
    public <T> JoinHandle<T> spawn(Future<T> future, boolean observed) {
        return spawn(null, future, observed);
    }

    /** {@link #spawn(Future, boolean)} with a task name for diagnostics (or null). */
    public <T> JoinHandle<T> spawn(String name, Future<T> future, boolean observed) {
        if (lifecycle.isClosed()) {
            throw closedError("spawn");
        }
        Worker w = WorkerThread.currentWorker();
        // Local only from inside a task run on one of our workers: that task is live until after this spawn,
        // which is what lets the per-worker spawn count go without a fence (see liveTasks). A worker thread
        // outside a task (a waker called while firing timers) spawns like a foreign thread.
        boolean local = w != null && w.scheduler == this && w.inTask;
        long id = local ? w.nextTaskId() : nextTaskId.getAndIncrement();
        Task<?> parent = w != null && w.scheduler == this ? w.pollingTask() : null;
        Object site = SpawnSites.capture(config.diagnostics().spawnSites(), future,
                parent == null ? null : parent.futureType(), id);
        Task<T> task = new Task<>(id, name, site, future, this);
        if (observed) {
            task.markObserved();
        }
        if (local) {
            w.countSpawn();
            w.spawnLocal(task);
            return task;
        }
        // Count first, then re-check closed: both volatile, so either a closing thread's count (read after its
        // close transition) includes this task, or we see closed here and take the task back (Dekker).
        spawned.increment(); // volatile CAS; pairs with the reads in liveTasks
        if (lifecycle.isClosed()) {
            spawned.decrement();
            signalDrainWaiter();
            throw closedError("spawn");
        }
        inject.push(task);
        notifyParked();
        return task;
    }

    /** Runs {@code body} on a new virtual thread. */
    public <T> JoinHandle<T> spawnBlocking(Callable<T> body, Runnable enter, Runnable exit) {
        if (lifecycle.isClosed()) {
            throw closedError("spawnBlocking");
        }
        BlockingTask<T> task = new BlockingTask<>(nextTaskId.getAndIncrement(), body, this, enter, exit);
        blockingTasks.put(task, Boolean.TRUE);
        if (lifecycle.isClosed()) { // close() may have swept the set before our put: undo and refuse
            blockingTasks.remove(task);
            throw closedError("spawnBlocking");
        }
        blockingSpawned.increment();
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
        if (w != null && w.scheduler == this && !lifecycle.isTerminating()) {
            w.scheduleLocal(task, fromWake);
        } else {
            inject.push(task);
            notifyParked();
        }
    }

    /** Before a task's first poll (it is RUNNING): refused once every task is being cancelled. */
    @Override
    public boolean admitFirstPoll(Task<?> task) {
        if (!lifecycle.isCancellingAll()) { // volatile; pairs with the transition in cancelAll (see the class doc)
            return true;
        }
        cancelledUnregistered.increment();
        return false;
    }

    /** The first poll of {@code task} returned Pending (it is still RUNNING): list it for cancelAll. */
    @Override
    public boolean register(Task<?> task) {
        if (owned.add(task)) { // under the shard's lock, which close() and the sweep also take
            return true;
        }
        cancelledUnregistered.increment();
        return false;
    }

    @Override
    public void deregister(Task<?> task) {
        owned.remove(task);
    }

    /** Tasks in the list of waiting tasks (a snapshot); for tests. */
    int registeredTasks() {
        int[] n = {0};
        owned.forEach(t -> n[0]++);
        return n[0];
    }

    @Override
    public void taskCompleted(Task<?> task, Throwable unobservedFailure) {
        Worker w = WorkerThread.currentWorker();
        if (w != null && w.scheduler == this) {
            w.countCompletion(); // volatile write: before finished()'s volatile read of drainWaiter (see there)
        } else {
            completed.increment(); // volatile CAS, likewise
        }
        finished(task.isCancelled(), task.isFailed());
        if (unobservedFailure != null) {
            reportUnobserved(task.id(), unobservedFailure);
        }
    }

    void blockingCompleted(BlockingTask<?> task, Throwable unobservedFailure) {
        blockingTasks.remove(task);
        blockingCompleted.increment();
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
        signalDrainWaiter();
    }

    /**
     * After a change of the live count (a completion's counter write, or a refused spawn's take-back, all
     * volatile): wakes a thread waiting in {@link #awaitDrained}. Either this volatile read of {@code drainWaiter}
     * sees the waiter's write, and then we notify under the monitor (so a waiter that read the old count is
     * either in {@code wait()}, and woken, or has not yet entered the monitor, and its count read comes after
     * our unlock); or it does not, and then in the synchronization order our counter write came before the
     * waiter's write of {@code drainWaiter}, hence before its count reads (volatile, in liveTasks), which see it.
     */
    private void signalDrainWaiter() {
        if (drainWaiter) { // volatile; pairs with the write in awaitDrained (see above)
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
            lifecycle.disableDriver(); // volatile; workers read it before each driver poll
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
        lifecycle.close(); // the failure, not this call, says why: whether it moved the phase does not matter
        cancelAll();
        for (Worker w : workers) {
            w.parker.unpark(); // run the cancellations now, not at the next wake
        }
    }

    /** The event driver, unless there is none or it was given up after failing ({@link #fail}). */
    dev.spindle.spi.EventDriver activeEventDriver() {
        dev.spindle.spi.EventDriver d = config.eventDriver();
        return d == null || lifecycle.isDriverDisabled() ? null : d;
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

    /** The driver's owner lets go of it. */
    void releaseDriver() {
        // Release: publishes what the owner did with the driver (driverFailuresInRow); pairs with the next owner's CAS.
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
            long polls = w.stats.polls(); // opaque read of the owner's counter: a hint
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
        lifecycle.close(); // a second close waits like the first: no need to know which one moved it
        long deadline = System.nanoTime() + grace.toNanos();
        boolean clean = awaitDrained(deadline);
        terminate();
        return clean;
    }

    /** Cancels every live task at once and stops the workers; returns how many tasks it cancelled. */
    public int shutdownNow() {
        checkNotOnWorker("shutdownNow()/close()");
        lifecycle.close();
        int n = terminate();
        return n;
    }

    private int terminate() {
        try {
            return stopAll();
        } finally {
            for (Runnable hook : terminationHooks) {
                if (terminationHooks.remove(hook)) { // once, even if two threads close at the same time
                    try {
                        hook.run();
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "a termination hook of runtime '" + runtimeName()
                                + "' failed: " + e, e);
                    }
                }
            }
        }
    }

    private int stopAll() {
        int count = 0;
        if (!lifecycle.isTerminating()) {
            long unregisteredBefore = cancelledUnregistered.sum();
            count = cancelAll();
            awaitDrained(Long.MAX_VALUE);
            // Plus the tasks cancelled by their first poll or registration (never in the list the sweep walked);
            // their increments happen before their completion counts, which awaitDrained has seen.
            count += (int) (cancelledUnregistered.sum() - unregisteredBefore);
            lifecycle.terminate();
        }
        if (watchdog != null) {
            watchdog.stop();
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
     * Cancels every task (see the class doc, "Shutdown"): no task starts any more, the list of waiting tasks is
     * closed, and every task in it and every blocking task is aborted; returns how many of those were not done
     * yet. Safe to repeat (aborting a done or aborted task does nothing). Package-private for the model test.
     */
    int cancelAll() {
        int[] count = {0};
        lifecycle.startCancellingAll(); // volatile; before owned.close(): pairs with the read in admitFirstPoll
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

    /**
     * Tasks spawned and not completed (from the spawn and completion counters; the list of waiting tasks holds
     * only some of them), plus blocking tasks running. Never negative; for the thread closing the runtime, after
     * its close transition ({@link Lifecycle#close}), never 0 while a task is live:
     * <ul>
     *   <li>Completions are read first, volatile (per-worker counts written volatile, the adder by CAS), then
     *       spawns. A task's spawn count was written before it was queued, so before its completion count:
     *       every completion read has its spawn read too (spawns &gt;= completions).</li>
     *   <li>A spawn from outside a task counts itself in the adder (volatile CAS) before its volatile re-check
     *       of the phase: the closing thread, which moved the phase to {@code CLOSED} before reading, counts it, or the
     *       spawner saw closed and took it back.</li>
     *   <li>A spawn on a worker happens inside a running task ({@link #spawn}), which completes only after it;
     *       its opaque count is visible to whoever read that completion. So for a live task X, follow its
     *       spawners back to the first task not read as completed: its spawn was read (it came from outside, or
     *       its spawner's completion was read), its completion was not, and the result is at least 1.</li>
     * </ul>
     * For other threads (metrics) it is a snapshot that may lag while tasks come and go.
     */
    private long liveTasks() {
        long done = completed.sum(); // volatile reads; pairs with the CAS in taskCompleted
        for (Worker w : workers) {
            done += w.completions(); // volatile; pairs with countCompletion
        }
        long started = spawned.sum(); // volatile reads; pairs with the CAS in spawn
        for (Worker w : workers) {
            started += w.spawns(); // opaque; made visible by the completions read above (see the doc)
        }
        return started - done + blockingTasks.size();
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
        return lifecycle.isTerminating();
    }

    // ---- metrics -------------------------------------------------------------------------------------

    public long spawnedCount() {
        long n = spawned.sum() + blockingSpawned.sum();
        for (Worker w : workers) {
            n += w.spawns();
        }
        return n;
    }

    public long completedCount() {
        long n = completed.sum() + blockingCompleted.sum();
        for (Worker w : workers) {
            n += w.completions();
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
