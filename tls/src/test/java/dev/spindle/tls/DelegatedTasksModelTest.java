package dev.spindle.tls;

import dev.spindle.Context;
import dev.spindle.Waker;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SSLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import static dev.spindle.testkit.ModelChecks.check;
import static dev.spindle.testkit.ModelChecks.join;

/**
 * Model checks the {@link DelegatedTasks} hand-off with Lincheck's model checker: in every explored interleaving
 * of a role awaiting the tasks against the task thread finishing them, a role told to wait ({@code Pending}) is
 * woken, and a task's failure is reported exactly once. Checks are plain (AssertJ does not work under
 * Lincheck's instrumentation).
 *
 * <p>A mutant of {@link DelegatedTasks#awaiting} without the re-read of {@code running} after the registration
 * fails {@link #aRoleToldToWaitIsWoken()}: the task thread's wake can fall between the first read and the
 * registration, and the role then waits with nobody left to wake it.
 */
@Tag("model")
@Timeout(120)
class DelegatedTasksModelTest {
    private static final int INVOCATIONS = 500;

    /** Threads the model checker can see, kept for joining. */
    private static final class Threads implements ThreadFactory {
        final List<Thread> started = new ArrayList<>();

        @Override
        public synchronized Thread newThread(Runnable r) {
            Thread t = new Thread(r);
            started.add(t);
            return t;
        }

        synchronized List<Thread> all() {
            return new ArrayList<>(started);
        }
    }

    /** Counts its wakes. */
    private static final class CountingWaker implements Waker {
        final AtomicInteger wakes = new AtomicInteger();

        @Override
        public void wake() {
            wakes.incrementAndGet();
        }
    }

    @Test
    void aRoleToldToWaitIsWoken() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Threads threads = new Threads();
            AtomicBoolean taskRan = new AtomicBoolean();
            AtomicBoolean finished = new AtomicBoolean();
            DelegatedTasks tasks = new DelegatedTasks(once(() -> taskRan.set(true)), threads,
                    () -> finished.set(true));
            CountingWaker readerAtStart = new CountingWaker();
            CountingWaker reader = new CountingWaker();
            CountingWaker writer = new CountingWaker();
            boolean[] readerWaits = new boolean[1];
            boolean[] writerWaits = new boolean[1];
            AtomicReference<Throwable> failure = new AtomicReference<>();
            // The reader starts the tasks, then comes back (as a poll after a spurious wake would); the writer
            // arrives meanwhile and must wait too if the tasks still run.
            Thread r = new Thread(() -> {
                try {
                    check(tasks.start(RoleWaker.READER, new Context(readerAtStart)), "the engine had a task");
                    readerWaits[0] = tasks.awaiting(RoleWaker.READER, new Context(reader));
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            Thread w = new Thread(() -> {
                try {
                    writerWaits[0] = tasks.awaiting(RoleWaker.WRITER, new Context(writer));
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            r.start();
            w.start();
            join(r);
            join(w);
            for (Thread t : threads.all()) {
                join(t);
            }
            check(failure.get() == null, "a role failed: " + failure.get());
            check(taskRan.get() && finished.get(), "the task ran and the hand-off ended");
            check(!tasks.running(), "running is false after the task thread ended");
            check(!readerWaits[0] || reader.wakes.get() > 0, "the reader was told to wait and never woken");
            check(!writerWaits[0] || writer.wakes.get() > 0, "the writer was told to wait and never woken");
        });
    }

    @Test
    void aFailureIsReportedOnce() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Threads threads = new Threads();
            DelegatedTasks tasks = new DelegatedTasks(once(() -> {
                throw new IllegalStateException("task failed");
            }), threads, () -> { });
            CountingWaker reader = new CountingWaker();
            CountingWaker writer = new CountingWaker();
            AtomicInteger reported = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread r = new Thread(() -> {
                try {
                    check(tasks.start(RoleWaker.READER, new Context(reader)), "the engine had a task");
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            r.start();
            join(r);
            for (Thread t : threads.all()) {
                join(t);
            }
            // Both roles look, one after the other (they hold the stream's lock): one gets the failure.
            for (CountingWaker role : new CountingWaker[] {reader, writer}) {
                try {
                    check(!tasks.awaiting(role == reader ? RoleWaker.READER : RoleWaker.WRITER, new Context(role)),
                            "nothing runs any more");
                } catch (SSLException e) {
                    reported.incrementAndGet();
                }
            }
            check(failure.get() == null, "start failed: " + failure.get());
            check(reported.get() == 1, "the failure was reported " + reported.get() + " times");
            check(reader.wakes.get() == 1, "the starting role is woken once");
        });
    }

    /** An engine with one task: {@code task} the first time, then none. */
    private static Supplier<Runnable> once(Runnable task) {
        AtomicBoolean taken = new AtomicBoolean();
        return () -> taken.getAndSet(true) ? null : task;
    }
}
