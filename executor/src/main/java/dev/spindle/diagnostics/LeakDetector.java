package dev.spindle.diagnostics;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Finds resources (sockets, TLS streams, channel senders) that were garbage-collected without being closed: the
 * idea of Netty's {@code ResourceLeakDetector}, built on {@link Cleaner}.
 *
 * <h2>Protocol</h2>
 * A resource calls {@link #track} when it is created and keeps the {@link LeakTracker} it gets; its
 * {@code close()} calls {@link LeakTracker#close(Object)}. {@link #track} chooses by the {@linkplain #level()
 * level}: {@link LeakDetection#OFF} tracks nothing, {@link LeakDetection#SAMPLED} one resource in
 * {@value #SAMPLING_INTERVAL} at random, {@link LeakDetection#PARANOID} every one. A tracked resource gets its
 * description and its creation stack recorded in a small state object, registered with this detector's
 * {@code Cleaner}; that state never references the resource (it would then never become unreachable). When the
 * resource becomes phantom reachable while its tracker is still open, the cleaner thread reports it:
 * <ul>
 *   <li>counted in {@link #leaks()} (every leak, reported or claimed);</li>
 *   <li>offered to the {@linkplain #addListener listeners}: a listener that returns true <em>claims</em> the
 *       report (a test that leaks on purpose), and a claimed report goes nowhere else;</li>
 *   <li>otherwise logged at WARNING on {@code System.Logger} {@value #LOGGER} ("LEAK: ... was garbage-collected
 *       without close(); created at:" and the stack), at most {@value #LOG_LINES_PER_SECOND} lines a second, and
 *       recorded with {@link Diagnostics#recordUnhandledReport(String)}, so that a strict test run fails on it.</li>
 * </ul>
 * Leaks are found only when the collector runs, so a report can come long after the leak; the stack says where
 * the resource was made. The detector only reports: it does not close what leaked.
 *
 * <h2>Cost</h2>
 * OFF: one volatile read (a plain load on x86/ARM) per resource. SAMPLED: that and a {@link ThreadLocalRandom}
 * draw; a tracked resource costs a stack trace, a description and a cleaner registration (a synchronized list
 * insertion). PARANOID: that for every resource. {@code close} of an untracked resource does nothing.
 *
 * <h2>Threads and memory ordering</h2>
 * Cleaning actions run on this detector's own cleaner thread ({@code spindle-leak-detector}), one at a time:
 * the log limiter's state is confined to that thread. A leak's fields are written before
 * {@link Cleaner#register}, which happens-before the action runs. OPEN to CLOSED (the closing thread) and OPEN to
 * LEAKED (the cleaner thread) are CASes on one field, so exactly one wins (see {@link LeakTracker}). The level is
 * volatile: a change is seen by resources created after it; trackers already handed out keep working. The leak
 * counter is atomic and the listener list copy-on-write, both read from any thread.
 */
public final class LeakDetector {
    /** The logger of leak reports. */
    public static final String LOGGER = "dev.spindle.diagnostics.leak";
    /** In {@link LeakDetection#SAMPLED} mode, one resource in this many is tracked. */
    public static final int SAMPLING_INTERVAL = 128;
    /** Leak log lines a second, at most; more are counted and mentioned in the next line logged. */
    static final int LOG_LINES_PER_SECOND = 10;
    /** {@link #collect}: how long the leak count must stay still before the cleaner counts as done. */
    static final long QUIET_MILLIS = 30;

    private static final System.Logger LOG = System.getLogger(LOGGER);
    private static final AtomicLong LEAKS = new AtomicLong();
    private static final List<Predicate<LeakReport>> LISTENERS = new CopyOnWriteArrayList<>();
    /** Read once per resource created; written by {@link #setLevel}. */
    private static volatile LeakDetection level = LeakDetection.parse(System.getProperty(LeakDetection.PROPERTY));

    // Log limiter: confined to the cleaner thread (actions run one at a time there).
    private static long logSecond;
    private static int logLines;
    private static long suppressed;

    private LeakDetector() {
    }

    /** The cleaner thread is started by the first tracked resource, not when the detector is OFF. */
    private static final class CleanerHolder {
        static final Cleaner CLEANER = Cleaner.create(r -> {
            Thread t = new Thread(r, "spindle-leak-detector");
            t.setDaemon(true);
            return t;
        });
    }

    /** The current level. */
    public static LeakDetection level() {
        return level;
    }

    /** Sets the level for resources created from now on. */
    public static void setLevel(LeakDetection newLevel) {
        level = Objects.requireNonNull(newLevel, "level");
    }

    /**
     * Starts tracking {@code resource}, described by {@code what}, if the level chooses it.
     *
     * @return the tracker, to be {@linkplain LeakTracker#close(Object) closed} with the resource; {@link
     *         LeakTracker#NONE} if the resource is not tracked
     */
    public static LeakTracker track(Object resource, String what) {
        return chosen() ? register(resource, what) : LeakTracker.NONE;
    }

    /**
     * As {@link #track(Object, String)}, with the description computed only if the resource is tracked: pass a
     * method reference that captures nothing ({@code TcpStream::describe}), so that an untracked resource
     * allocates nothing. {@code describe} is called once, now, and not kept.
     */
    public static <T> LeakTracker track(T resource, Function<? super T, String> describe) {
        if (!chosen()) {
            return LeakTracker.NONE;
        }
        String what;
        try {
            what = describe.apply(resource);
        } catch (RuntimeException e) {
            what = resource.getClass().getSimpleName() + " (description failed: " + e + ")";
        }
        return register(resource, what);
    }

    private static boolean chosen() {
        LeakDetection l = level; // volatile read: the only cost when OFF
        return l == LeakDetection.PARANOID
                || l == LeakDetection.SAMPLED && ThreadLocalRandom.current().nextInt(SAMPLING_INTERVAL) == 0;
    }

    private static LeakTracker register(Object resource, String what) {
        Objects.requireNonNull(resource, "resource");
        return new LeakTracker(resource, new Leak(what, new Throwable("created here")), CleanerHolder.CLEANER);
    }

    /** Leaks found since the JVM started (reported and claimed). */
    public static long leaks() {
        return LEAKS.get();
    }

    /**
     * Adds a listener, offered every leak before it is logged and recorded as unhandled: returning true claims
     * the report (it is then only counted). Meant for tests that leak on purpose; such a test should claim only
     * its own resources (by {@link LeakReport#what()}) and remove the listener afterwards. Runs on the cleaner
     * thread; must not block.
     */
    public static void addListener(Predicate<LeakReport> listener) {
        LISTENERS.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Removes a listener added with {@link #addListener}. */
    public static void removeListener(Predicate<LeakReport> listener) {
        LISTENERS.remove(listener);
    }

    /**
     * For test suites: runs the collector and waits, at most {@code timeout}, until the cleaner thread has
     * processed what it found; returns {@link #leaks()}. Two rounds, each a {@code System.gc()} and a wait for a
     * sentinel object registered with this detector's cleaner and unreachable at once; then a wait until the leak
     * count has stayed the same for {@value #QUIET_MILLIS} ms. The sentinel alone is not enough: a reference
     * queue hands out the references of one collection last-in first-out, so the sentinel's action may run before
     * the leaks found with it; the quiet period covers those (each takes well under a millisecond, logging
     * included, since at most {@value #LOG_LINES_PER_SECOND} lines a second are logged).
     */
    public static long collect(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int round = 0; round < 2; round++) {
            CountDownLatch cleaned = new CountDownLatch(1);
            CleanerHolder.CLEANER.register(new Object(), cleaned::countDown); // the sentinel is unreachable at once
            System.gc();
            long left = deadline - System.nanoTime();
            if (left <= 0 || !cleaned.await(left, TimeUnit.NANOSECONDS)) {
                return LEAKS.get();
            }
        }
        long seen = LEAKS.get();
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < TimeUnit.MILLISECONDS.toNanos(QUIET_MILLIS)
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
            long now = LEAKS.get();
            if (now != seen) {
                seen = now;
                quietSince = System.nanoTime();
            }
        }
        return seen;
    }

    /** Reports one leak; on the cleaner thread. */
    static void report(String what, Throwable createdAt) {
        try {
            reportUncounted(what, createdAt);
        } finally {
            // Counted last: once collect() sees the count still, the report is recorded and logged.
            LEAKS.incrementAndGet();
        }
    }

    private static void reportUncounted(String what, Throwable createdAt) {
        StackTraceElement[] stack = createdAt.getStackTrace();
        String own = LeakDetector.class.getName();
        int from = 0;
        while (from < stack.length && stack[from].getClassName().equals(own)) {
            from++; // LeakDetector.register and track: not where the resource was made
        }
        List<StackTraceElement> frames = Arrays.asList(stack).subList(from, stack.length);
        StringBuilder m = new StringBuilder("LEAK: ").append(what)
                .append(" was garbage-collected without close(); created at:");
        for (StackTraceElement e : frames) {
            m.append("\n\tat ").append(e);
        }
        LeakReport report = new LeakReport(what, frames, m.toString());
        for (Predicate<LeakReport> l : LISTENERS) {
            try {
                if (l.test(report)) {
                    return;
                }
            } catch (RuntimeException e) {
                log("a leak listener threw " + e + "; the leak is reported as usual");
            }
        }
        Diagnostics.recordUnhandledReport(report.message());
        log(report.message());
    }

    private static void log(String message) {
        if (!LOG.isLoggable(System.Logger.Level.WARNING)) {
            return;
        }
        long second = System.nanoTime() / 1_000_000_000L;
        if (second != logSecond) {
            logSecond = second;
            logLines = 0;
        }
        if (++logLines > LOG_LINES_PER_SECOND) {
            suppressed++;
            return;
        }
        String text = suppressed == 0 ? message : message + "\n(" + suppressed
                + " earlier leak report(s) were not logged: more than " + LOG_LINES_PER_SECOND
                + " a second; LeakDetector.leaks() counts them all)";
        suppressed = 0;
        LOG.log(System.Logger.Level.WARNING, text);
    }

    /**
     * The cleaning action and state of one tracked resource: what it was and where it was made, never the
     * resource itself. {@code state}: OPEN, then CLOSED or LEAKED, by CAS (see {@link LeakTracker}).
     */
    static final class Leak implements Runnable {
        private static final int OPEN = 0;
        private static final int CLOSED = 1;
        private static final int LEAKED = 2;
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Leak.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final String what;
        private final Throwable createdAt;
        @SuppressWarnings("unused")
        private int state;

        Leak(String what, Throwable createdAt) {
            this.what = what;
            this.createdAt = createdAt;
        }

        /** The resource was closed: true if this call closed it. Volatile CAS; races with {@link #run}. */
        boolean markClosed() {
            return STATE.compareAndSet(this, OPEN, CLOSED);
        }

        /**
         * The cleaning action: on the cleaner thread when the resource became unreachable, or on the closing
         * thread from {@code Cleanable.clean()} after {@link #markClosed} (then the CAS fails and nothing happens).
         */
        @Override
        public void run() {
            if (STATE.compareAndSet(this, OPEN, LEAKED)) {
                try {
                    report(what, createdAt);
                } catch (Throwable t) {
                    // A broken logger or listener: the count is taken (report's finally); the cleaner goes on.
                }
            }
        }
    }
}
