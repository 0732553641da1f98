package dev.spindle.tls;

import dev.spindle.Context;

import javax.net.ssl.SSLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;

/**
 * The hand-off of an engine's delegated tasks ({@code SSLEngine.getDelegatedTask()}: certificate checks, key
 * exchange) to a thread of their own, and the wake back to the role that waits for them.
 *
 * <h2>Why off the worker</h2>
 * The tasks may take milliseconds (RSA signatures, certificate path building, a trust manager that looks
 * things up), and with the JDK engine they hold the engine's internal lock while they run, so no role can call
 * the engine until they finish anyway. They run on a new virtual thread; the role that found them registers
 * its waker and returns {@code Pending}; nothing polls meanwhile.
 *
 * <h2>Protocol</h2>
 * <ol>
 *   <li>{@link #start} (a role, under the stream's lock): takes every task the engine has, writes
 *       {@code running = true}, registers the role's waker, starts the thread. The role returns
 *       {@code Pending}.</li>
 *   <li>The task thread runs the tasks, keeps the first failure in {@code failure}, writes
 *       {@code running = false}, wakes every registered role, then calls {@code afterFinish} (the stream frees
 *       its engine there if it was closed meanwhile).</li>
 *   <li>{@link #awaiting} (any role, under the stream's lock, before it touches the engine): if
 *       {@code running}, registers the role's waker and reads {@code running} again; only if it is still
 *       true does the role return {@code Pending}. Otherwise it takes a failure, if there is one, and carries
 *       on.</li>
 * </ol>
 * The second read in step 3 closes the only window: a task thread that finished between the two reads woke
 * the slots before this registration landed, so the role sees {@code running == false} on the re-read and
 * does not wait. A task thread that finishes after the registration finds it in its wake.
 *
 * <h2>Memory ordering</h2>
 * <ul>
 *   <li>{@code running}: volatile. The write of {@code true} in {@link #start} happens before the thread start
 *       (itself a happens-before edge to the task thread). The task thread's write of {@code false} is a
 *       release that pairs with the acquiring reads in {@link #awaiting} and {@link #running()}.</li>
 *   <li>{@code failure}: volatile, written by the task thread before its write of {@code running = false}, so a
 *       role that read {@code false} sees it; read and cleared under the stream's lock (one role at a time).</li>
 *   <li>The slots of {@link RoleWaker}: a register is a volatile write; the task thread's wake is a volatile
 *       read-modify-write after its write of {@code running = false}. Both sides write then read (the role
 *       writes its slot then reads {@code running}; the task thread writes {@code running} then takes the
 *       slots), all volatile and so sequentially consistent: at least one of them sees the other's write.</li>
 * </ul>
 * The model test ({@code DelegatedTasksModelTest}) explores these interleavings; the stress test
 * ({@code DelegatedTasksStressTest}) runs them on real threads.
 */
final class DelegatedTasks {
    /** Delegated tasks run on virtual threads; the factory is thread-safe (a plain builder is not). */
    private static final ThreadFactory VIRTUAL_THREADS = Thread.ofVirtual().name("spindle-tls-task-", 0).factory();

    private final Supplier<Runnable> source;
    private final ThreadFactory threads;
    private final Runnable afterFinish;
    private final RoleWaker waker = new RoleWaker("task");

    /** Tasks are running; see the class comment for every access. */
    private volatile boolean running;
    /** The first failure of a task, written before {@code running = false}. */
    private volatile Throwable failure;

    /** Tasks taken from {@code source} (the engine's {@code getDelegatedTask}), run on virtual threads. */
    DelegatedTasks(Supplier<Runnable> source, Runnable afterFinish) {
        this(source, VIRTUAL_THREADS, afterFinish);
    }

    /** As above, with the tasks' threads made by {@code threads} (tests). */
    DelegatedTasks(Supplier<Runnable> source, ThreadFactory threads, Runnable afterFinish) {
        this.source = Objects.requireNonNull(source, "source");
        this.threads = Objects.requireNonNull(threads, "threads");
        this.afterFinish = Objects.requireNonNull(afterFinish, "afterFinish");
    }

    /** Whether tasks are running (volatile read; pairs with the task thread's write of {@code false}). */
    boolean running() {
        return running;
    }

    /**
     * Step 3 of the protocol: {@code true} if tasks are still running, the waker of {@code role}'s task
     * ({@code cx}) then registered for their end. Throws the failure of finished tasks, once. The waker is taken
     * from {@code cx} only if tasks run, so a poll that waits for nothing else does not claim it did.
     */
    boolean awaiting(int role, Context cx) throws SSLException {
        if (running) { // volatile read; pairs with the task thread's write of false
            waker.register(role, cx.waker()); // volatile write; read by the task thread's wake
            if (running) { // re-read: a completion between the two reads would have found no waker
                return true;
            }
            waker.clear(role);
        }
        Throwable t = failure; // written before running = false, which was read above
        if (t != null) {
            failure = null;
            throw new SSLException("an SSLEngine delegated task failed: " + t, t);
        }
        return false;
    }

    /**
     * Step 1 of the protocol: takes the engine's tasks and starts them, the waker of {@code role}'s task
     * ({@code cx}) registered for their end. {@code false} if the engine had no task after all (the caller
     * re-reads the status).
     */
    boolean start(int role, Context cx) throws SSLException {
        Runnable first = source.get();
        if (first == null) {
            return false;
        }
        List<Runnable> tasks = new ArrayList<>(2); // handshake time only, not per record
        tasks.add(first);
        for (Runnable t; (t = source.get()) != null; ) {
            tasks.add(t);
        }
        running = true; // volatile write; the thread start below also publishes it to the task thread
        waker.register(role, cx.waker());
        try {
            threads.newThread(() -> run(tasks)).start();
        } catch (RuntimeException | OutOfMemoryError e) {
            running = false;
            waker.clear(role);
            throw new SSLException("could not start a virtual thread for SSLEngine delegated tasks: " + e, e);
        }
        return true;
    }

    /** Step 2, on the task thread. */
    private void run(List<Runnable> tasks) {
        try {
            for (Runnable t : tasks) {
                t.run();
            }
        } catch (Throwable t) {
            failure = t; // volatile write, before running = false
        } finally {
            running = false; // volatile write; pairs with the reads in awaiting() and running()
            waker.wake();
            afterFinish.run();
        }
    }

    /** Wakes every role waiting for the tasks (the stream was closed: they must come and see it). */
    void wakeAll() {
        waker.wake();
    }
}
