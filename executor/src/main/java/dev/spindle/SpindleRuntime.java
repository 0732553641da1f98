package dev.spindle;

import dev.spindle.diagnostics.BusyLoopPolicy;
import dev.spindle.diagnostics.DiagnosticEvent;
import dev.spindle.diagnostics.Diagnostics;
import dev.spindle.diagnostics.SpawnSiteCapture;
import dev.spindle.diagnostics.TaskDump;
import dev.spindle.internal.diagnostics.JfrEvents;
import dev.spindle.internal.diagnostics.ManagementModule;
import dev.spindle.internal.diagnostics.Reporter;
import dev.spindle.internal.diagnostics.RuntimeMXBeans;
import dev.spindle.internal.scheduler.DiagnosticsConfig;
import dev.spindle.internal.scheduler.Scheduler;
import dev.spindle.internal.scheduler.SchedulerConfig;
import dev.spindle.internal.task.NonBlockingThread;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * A Spindle runtime: a pool of worker threads that poll spawned futures, with work stealing, timers and a
 * virtual-thread pool for blocking work.
 *
 * <pre>{@code
 * try (SpindleRuntime rt = SpindleRuntime.builder().workers(4).build()) {
 *     JoinHandle<Integer> h = rt.spawn(Time.sleep(Duration.ofMillis(10)).map(v -> 42));
 *     int answer = h.join();              // blocks this (non-worker) thread
 *     int same = rt.blockOn(someFuture);  // spawn + join
 * }
 * }</pre>
 *
 * <h2>Threads</h2>
 * Workers are platform threads named {@code prefix + index}; they must never block. {@link #blockOn},
 * {@link JoinHandle#join()} and {@link #close()} fail fast when called on a worker. Blocking work belongs
 * in {@link #spawnBlocking}, which runs it on a virtual thread.
 *
 * <h2>Shutdown</h2>
 * <ul>
 *   <li>{@link #shutdown(Duration)}: refuses new work at once, lets live tasks run until they are all done
 *       or the grace period ends (it returns as soon as they are done), then cancels the rest and joins
 *       the workers. Returns whether everything finished in time.</li>
 *   <li>{@link #shutdownNow()}: refuses new work, cancels every live task (each one's release hook runs
 *       exactly once, on a worker), waits for that, and joins the workers. Returns how many it cancelled.</li>
 *   <li>{@link #close()}: {@code shutdownNow()}; idempotent.</li>
 * </ul>
 * After any of them, spawning throws {@link RuntimeClosedException}, and no thread of the runtime is alive.
 * A poll that never returns delays shutdown (a warning is logged every 10 s): futures must not block. The same
 * holds for a {@link #spawnBlocking} body that ignores the interrupt its abort sends: close waits for it to
 * return (its handle completes, cancelled, only then), and the warning names its thread and where it is.
 * An interrupt of the closing thread does not cut shutdown short: every release hook still runs and every
 * handle still completes; the interrupt status is set again when the method returns.
 *
 * <h2>Faults</h2>
 * Code the runtime calls but did not write can throw: an event driver's {@code poll}, a waker woken by a timer
 * or the reactor, a release hook. Each failure is contained where it happens (the other wakes still happen,
 * the worker goes on), counted in {@link RuntimeMetrics#containedFaults()} and logged through
 * {@code System.Logger} "dev.spindle.runtime" (the first of each kind with its stack, then at most one line per
 * kind every 10 s). A fault that does not go away (an event driver failing poll after poll, a worker whose loop
 * keeps failing) <em>fails</em> the runtime: it is logged at ERROR, {@link #failure()} returns it, new work is
 * refused, and every task is cancelled with it as the cause, so no waiter hangs.
 */
public final class SpindleRuntime implements AutoCloseable {
    private static final ThreadLocal<SpindleRuntime> BLOCKING_CONTEXT = new ThreadLocal<>();
    /**
     * Classes of paths that may first run when the process is out of file descriptors, loaded with the runtime:
     * loading a class opens its class file, which fails then. {@code ReadyCounts} is the end-of-stream result
     * ({@code Poll.readyCount(-1)}): a server whose connections send nothing before closing first needs it while
     * starved, and an echo task that cannot load it fails instead of closing its socket, so the descriptors never
     * come back (seen in AcceptUnderDescriptorExhaustionTest when its child ran with a long class path).
     */
    @SuppressWarnings("unused")
    private static final Class<?>[] PRELOADED = {ReadyCounts.class};

    private final Scheduler scheduler;
    private final String name;

    private SpindleRuntime(Builder b) {
        String runtimeName = b.name != null ? b.name : b.threadNamePrefix.replaceAll("[-_.]*(worker)?[-_.]*$", "");
        if (runtimeName.isEmpty()) {
            runtimeName = "spindle";
        }
        Duration lostWakeup = b.lostWakeupThreshold != null ? b.lostWakeupThreshold
                : SystemProperties.checkDuration("system property spindle.lostWakeupThreshold",
                        SystemProperties.durationProperty("spindle.lostWakeupThreshold",
                                Diagnostics.STRICT ? Duration.ofSeconds(1) : Duration.ofSeconds(10)),
                        Duration.ofMillis(100), Duration.ofHours(1));
        DiagnosticsConfig diagnostics = new DiagnosticsConfig(b.diagnostics, runtimeName, b.busyLoopPolicy,
                b.busyLoopWindow, lostWakeup, b.slowPollThreshold, b.spawnSites, b.jmx, b.listener);
        SchedulerConfig config = new SchedulerConfig(b.workers, b.threadNamePrefix, b.eventInterval,
                b.globalQueueInterval, b.localQueueCapacity, b.maxLifoPollsPerTick, b.budget, b.daemon, b.handler,
                b.eventDriver, diagnostics);
        this.name = runtimeName;
        this.scheduler = new Scheduler(config, this);
        scheduler.start();
        JfrEvents.register(this);
        scheduler.onTerminate(() -> JfrEvents.unregister(this));
        if (b.jmx && ManagementModule.present()) {
            Runnable unregister = RuntimeMXBeans.register(this);
            if (unregister != null) {
                scheduler.onTerminate(unregister);
            }
        }
    }

    /** A builder with defaults: one worker per available processor. */
    public static Builder builder() {
        return new Builder();
    }

    /** A runtime with the default settings. */
    public static SpindleRuntime create() {
        return builder().build();
    }

    // ---- current runtime -----------------------------------------------------------------------------

    /**
     * The runtime whose worker (or blocking task) is running the calling code.
     *
     * @throws IllegalStateException outside any runtime
     */
    public static SpindleRuntime current() {
        return tryCurrent().orElseThrow(() -> new IllegalStateException(
                "not inside a Spindle runtime: SpindleRuntime.current() works on a runtime's worker threads and in"
                        + " its spawnBlocking tasks; elsewhere, keep a reference to the runtime you built"));
    }

    /** The current runtime, if the calling thread is one of its workers or blocking tasks. */
    public static Optional<SpindleRuntime> tryCurrent() {
        Scheduler s = Scheduler.current();
        if (s != null) {
            return Optional.of((SpindleRuntime) s.facade());
        }
        return Optional.ofNullable(BLOCKING_CONTEXT.get());
    }

    /** Whether the calling thread is a worker thread of some Spindle runtime (where blocking is forbidden). */
    public static boolean isWorkerThread() {
        return Thread.currentThread() instanceof NonBlockingThread;
    }

    /** Spawns on the current runtime: {@code SpindleRuntime.current().spawn(future)}. */
    public static <T> JoinHandle<T> spawnCurrent(Future<T> future) {
        return current().spawn(future);
    }

    // ---- work ----------------------------------------------------------------------------------------

    /**
     * Spawns {@code future} as a task and returns its handle. The future is first polled on a worker; this
     * call never polls it.
     *
     * @throws RuntimeClosedException if the runtime is shutting down or closed
     */
    public <T> JoinHandle<T> spawn(Future<T> future) {
        Objects.requireNonNull(future, "future");
        return scheduler.spawn(null, future, false);
    }

    /**
     * Spawns {@code future} as a task named {@code name}: the name appears in diagnostics reports, in
     * {@link #dump()}, in JFR events and in JMX. Otherwise the same as {@link #spawn(Future)}.
     */
    public <T> JoinHandle<T> spawn(String name, Future<T> future) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(future, "future");
        return scheduler.spawn(name, future, false);
    }

    /**
     * Every live task now: id, name, state, type chain, spawn site, counters, age, idle time and what it waits on
     * where Spindle knows; {@code toString()} is a table, stuck tasks first. Safe to call from any thread, at any
     * time; it does not stop the runtime (each task is read without locking, so a busy one may be slightly stale).
     */
    public TaskDump dump() {
        return scheduler.dump();
    }

    /** The runtime's name: in diagnostics reports, JFR events and its JMX name ({@link Builder#name}). */
    public String name() {
        return name;
    }
    /**
     * Runs {@code future} on the runtime and blocks the calling thread until it completes. On a virtual
     * thread, the carrier is released while waiting.
     *
     * @throws TaskFailedException    if the future threw (the cause is the original exception)
     * @throws TaskCancelledException if the runtime closed before it completed
     * @throws IllegalStateException  if called on a worker thread (blocking there would stall the scheduler)
     */
    public <T> T blockOn(Future<T> future) {
        Objects.requireNonNull(future, "future");
        NonBlockingThread.checkMayBlock("SpindleRuntime.blockOn()");
        return scheduler.spawn(null, future, true).join();
    }

    /**
     * Runs blocking code on a new virtual thread and returns its handle; await it like any task. Inside
     * {@code body}, {@link #current()} is this runtime. {@link JoinHandle#abort()} interrupts it.
     */
    public <T> JoinHandle<T> spawnBlocking(Callable<T> body) {
        Objects.requireNonNull(body, "body");
        return scheduler.spawnBlocking(body, () -> BLOCKING_CONTEXT.set(this), BLOCKING_CONTEXT::remove);
    }

    // ---- lifecycle -----------------------------------------------------------------------------------

    /** Graceful shutdown; see the class comment. Returns true if every task finished within {@code grace}. */
    public boolean shutdown(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative: " + grace);
        }
        return scheduler.shutdown(grace);
    }

    /** Immediate shutdown; see the class comment. Returns the number of tasks cancelled. */
    public int shutdownNow() {
        return scheduler.shutdownNow();
    }

    /** {@link #shutdownNow()}; idempotent. */
    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    /** Whether shutdown has begun (new work is refused). */
    public boolean isClosed() {
        return scheduler.isClosed();
    }

    /**
     * Why the runtime failed, if it did. A runtime fails only on a fault it cannot survive (an event driver that
     * fails poll after poll, a worker whose loop keeps failing): it then refuses new work and cancels every task
     * with this cause (see "Faults" in the class comment). Close it and create a new one.
     */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(scheduler.failure());
    }

    /** Whether shutdown has completed: every worker has exited. */
    public boolean isTerminated() {
        return scheduler.isTerminated();
    }

    /** The event driver the runtime was built with ({@link Builder#eventDriver}), if any. */
    public java.util.Optional<dev.spindle.spi.EventDriver> eventDriver() {
        return java.util.Optional.ofNullable(scheduler.config().eventDriver());
    }

    /** Number of worker threads. */
    public int workers() {
        return scheduler.config().workers();
    }

    /** A snapshot of the runtime's counters (cheap; counters are always on). */
    public RuntimeMetrics metrics() {
        Reporter reporter = scheduler.reporter();
        return new RuntimeMetrics(workers(), scheduler.spawnedCount(), scheduler.completedCount(),
                scheduler.failedCount(), scheduler.cancelledCount(), scheduler.liveCount(), scheduler.injectDepth(),
                scheduler.parkedWorkers(), scheduler.searchingWorkers(), scheduler.timers(), scheduler.faults().total(),
                java.util.List.copyOf(scheduler.workerMetrics()), reporter.busyLoops(), reporter.lostWakeups(),
                reporter.slowPolls(), reporter.throttledTasks(), reporter.abortedTasks());
    }

    /** Internal: the scheduler behind this runtime (for the library's own modules). */
    Scheduler scheduler() {
        return scheduler;
    }

    @Override
    public String toString() {
        return "SpindleRuntime[" + name + ", workers=" + workers() + (isClosed() ? ", closed" : "") + "]";
    }


    // ---- builder -------------------------------------------------------------------------------------

    /**
     * Settings of a runtime. Every setting is validated when set, with a message naming the setting.
     * Defaults can also come from system properties: {@code spindle.workers}, {@code spindle.eventInterval},
     * {@code spindle.globalQueueInterval}, and for diagnostics {@code spindle.diagnostics},
     * {@code spindle.busyLoopPolicy}, {@code spindle.busyLoopWindow}, {@code spindle.lostWakeupThreshold},
     * {@code spindle.slowPollThreshold}, {@code spindle.spawnSites}, {@code spindle.jmx}. A property with a bad value
     * fails the builder with a message naming it.
     */
    public static final class Builder {
        private int workers = SystemProperties.intProperty("spindle.workers", Math.max(1, Runtime.getRuntime().availableProcessors()), 1);
        private String threadNamePrefix = "spindle-worker-";
        private int eventInterval = SystemProperties.intProperty("spindle.eventInterval", 61, 1);
        private int globalQueueInterval = SystemProperties.intProperty("spindle.globalQueueInterval", 31, 1);
        private int localQueueCapacity = 256;
        private int maxLifoPollsPerTick = 3;
        private int budget = Context.DEFAULT_BUDGET;
        private boolean daemon = true;
        private Thread.UncaughtExceptionHandler handler;
        private dev.spindle.spi.EventDriver eventDriver;
        /** null: I/O if a provider is present; TRUE: I/O required (build() fails without it); FALSE: no I/O. */
        private Boolean io;
        private String name;
        private boolean diagnostics = SystemProperties.booleanProperty("spindle.diagnostics", true);
        private BusyLoopPolicy busyLoopPolicy = SystemProperties.enumProperty("spindle.busyLoopPolicy", BusyLoopPolicy.class,
                BusyLoopPolicy.REPORT);
        private Duration busyLoopWindow = SystemProperties.checkDuration("system property spindle.busyLoopWindow",
                SystemProperties.durationProperty("spindle.busyLoopWindow", Duration.ofMillis(500)), Duration.ofMillis(10),
                Duration.ofMinutes(1));
        private Duration lostWakeupThreshold; // default depends on strict mode, see the constructor of the runtime
        // Strict test runs: 500 ms, not 100. A worker of a test JVM on a loaded 2-core machine can be descheduled or
        // stopped by a collection for over 100 ms in the middle of a healthy poll; half a second is still far below
        // anything a test waits for, and a test that blocks its worker on purpose sets its own threshold.
        private Duration slowPollThreshold = SystemProperties.checkDuration("system property spindle.slowPollThreshold",
                SystemProperties.durationProperty("spindle.slowPollThreshold",
                        Diagnostics.STRICT ? Duration.ofMillis(500) : Duration.ofMillis(100)),
                Duration.ofMillis(10), Duration.ofHours(1));
        private SpawnSiteCapture spawnSites = SystemProperties.enumProperty("spindle.spawnSites", SpawnSiteCapture.class,
                SpawnSiteCapture.FRAME);
        private boolean jmx = SystemProperties.booleanProperty("spindle.jmx", true);
        private Consumer<DiagnosticEvent> listener;

        private Builder() {
        }

        /**
         * The runtime's name in diagnostics reports, JFR events, logs and its JMX name
         * ({@code dev.spindle:type=Runtime,name=<name>}; a second live runtime of the same name gets {@code name-2}).
         * Default: the thread name prefix without its {@code -worker-} tail ({@code spindle}).
         */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank");
            }
            this.name = name;
            return this;
        }

        /**
         * Turns the detectors (busy loop, lost wakeup, slow poll) and their watchdog thread on or off (default on;
         * system property {@code spindle.diagnostics=on|off}). Per-task counters and {@link SpindleRuntime#dump()}
         * stay available either way.
         */
        public Builder diagnostics(boolean enabled) {
            this.diagnostics = enabled;
            return this;
        }

        /** What to do with a busy loop (default {@code REPORT}; property {@code spindle.busyLoopPolicy}). */
        public Builder busyLoopPolicy(BusyLoopPolicy policy) {
            this.busyLoopPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * How long a task must keep being polled without progress before it is a busy loop (default 500 ms, so it is
         * reported within a second; property {@code spindle.busyLoopWindow}). Between 10 ms and 1 minute.
         */
        public Builder busyLoopWindow(Duration window) {
            busyLoopWindow = SystemProperties.checkDuration("busyLoopWindow", window, Duration.ofMillis(10), Duration.ofMinutes(1));
            return this;
        }

        /**
         * How long a task that returned Pending without taking its waker may go unwoken before it is reported as a
         * lost wakeup (default 10 s, 1 s in strict test runs; property {@code spindle.lostWakeupThreshold}). Between
         * 100 ms and 1 hour.
         */
        public Builder lostWakeupThreshold(Duration threshold) {
            lostWakeupThreshold = SystemProperties.checkDuration("lostWakeupThreshold", threshold, Duration.ofMillis(100),
                    Duration.ofHours(1));
            return this;
        }

        /**
         * How long one poll may hold a worker before it is reported with a stack sample (default 100 ms, 500 ms in
         * strict test runs; property {@code spindle.slowPollThreshold}). Between 10 ms and 1 hour.
         */
        public Builder slowPollThreshold(Duration threshold) {
            slowPollThreshold = SystemProperties.checkDuration("slowPollThreshold", threshold, Duration.ofMillis(10),
                    Duration.ofHours(1));
            return this;
        }

        /** What of the spawning code each task records (default {@code FRAME}; property {@code spindle.spawnSites}). */
        public Builder spawnSites(SpawnSiteCapture capture) {
            this.spawnSites = Objects.requireNonNull(capture, "capture");
            return this;
        }

        /** Whether to register the runtime's MXBean (default true; property {@code spindle.jmx}). */
        public Builder jmx(boolean register) {
            this.jmx = register;
            return this;
        }

        /**
         * Receives every diagnostics report of this runtime, on the thread that made it (a worker or the watchdog):
         * return quickly, never block. Reports are still logged. In strict test runs a runtime with a listener has
         * its reports counted as handled.
         */
        public Builder onDiagnostic(Consumer<DiagnosticEvent> listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Worker threads (default: available processors). */
        public Builder workers(int n) {
            if (n < 1 || n > 4096) {
                throw new IllegalArgumentException("workers must be between 1 and 4096, was " + n);
            }
            workers = n;
            return this;
        }

        /** Prefix of worker thread names (default {@code spindle-worker-}). */
        public Builder threadNamePrefix(String prefix) {
            threadNamePrefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /**
         * Ticks between a busy worker's maintenance steps (timers; later I/O). Default 61, as in Tokio:
         * prime, so it does not beat with other periodic patterns.
         */
        public Builder eventInterval(int ticks) {
            if (ticks < 1) {
                throw new IllegalArgumentException("eventInterval must be >= 1, was " + ticks);
            }
            eventInterval = ticks;
            return this;
        }

        /**
         * Ticks between checks of the remote (inject) queue while a worker has local work. Default 31 (Tokio's
         * default): a worker busy with local work still takes remote work within 31 polls.
         */
        public Builder globalQueueInterval(int ticks) {
            if (ticks < 1) {
                throw new IllegalArgumentException("globalQueueInterval must be >= 1, was " + ticks);
            }
            globalQueueInterval = ticks;
            return this;
        }

        /** Capacity of each worker's local run queue; a power of two (default 256; tests use tiny ones). */
        public Builder localQueueCapacity(int capacity) {
            if (capacity < 2 || Integer.bitCount(capacity) != 1) {
                throw new IllegalArgumentException("localQueueCapacity must be a power of two >= 2, was " + capacity);
            }
            localQueueCapacity = capacity;
            return this;
        }

        /** LIFO-slot polls in a row before the slot's task goes to the back of the queue (default 3; 0 disables the slot). */
        public Builder maxLifoPollsPerTick(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("maxLifoPollsPerTick must be >= 0, was " + n);
            }
            maxLifoPollsPerTick = n;
            return this;
        }

        /** Cooperative budget per poll (default {@value Context#DEFAULT_BUDGET}). */
        public Builder budget(int operations) {
            if (operations < 1) {
                throw new IllegalArgumentException("budget must be >= 1, was " + operations);
            }
            budget = operations;
            return this;
        }

        /** Whether workers are daemon threads (default true: a forgotten runtime does not keep the JVM alive). */
        public Builder daemon(boolean daemon) {
            this.daemon = daemon;
            return this;
        }

        /**
         * Receives a failure of a task nobody was awaiting (wrapped in {@link TaskFailedException}, cause = the
         * original), and failures of release hooks. Default: logged through {@code System.Logger}
         * "dev.spindle.runtime" at WARNING.
         */
        public Builder uncaughtExceptionHandler(Thread.UncaughtExceptionHandler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Drives {@code driver} from the parking path: the one worker that owns it blocks in
         * {@link dev.spindle.spi.EventDriver#poll} instead of parking, and busy workers poll it without blocking
         * every {@link #eventInterval} ticks. This is how the I/O module's reactor plugs in. The runtime closes it.
         */
        public Builder eventDriver(dev.spindle.spi.EventDriver driver) {
            this.eventDriver = Objects.requireNonNull(driver, "driver");
            return this;
        }

        /**
         * Whether the runtime can do I/O (sockets, TLS). By default it can whenever the I/O module
         * ({@code dev.spindle.io}) is on the module or class path: its reactor is found through
         * {@link dev.spindle.spi.EventDriverProvider} and each runtime gets its own. {@code io(true)} makes that a
         * requirement: {@link #build()} fails if the module is missing, instead of the first socket failing later.
         * {@code io(false)} builds a runtime for computation only (no selector, no reactor thread work); a
         * socket used on it fails with a message saying so.
         */
        public Builder io(boolean enabled) {
            this.io = enabled;
            return this;
        }

        /**
         * Builds and starts the runtime.
         *
         * @throws IllegalStateException if {@code io(true)} was asked and no I/O module is present, or if more
         *         than one event driver provider is present (name the one to use with {@link #eventDriver})
         */
        public SpindleRuntime build() {
            if (eventDriver == null && !Boolean.FALSE.equals(io)) {
                dev.spindle.spi.EventDriverProvider provider = EventDriverProviders.only();
                if (provider != null) {
                    eventDriver = provider.create();
                } else if (Boolean.TRUE.equals(io)) {
                    throw new IllegalStateException("io(true): this runtime must do I/O, but the Spindle I/O module"
                            + " is not present; add the artifact dev.spindle:spindle-io (module dev.spindle.io) to"
                            + " the class or module path");
                }
            }
            return new SpindleRuntime(this);
        }
    }
}
