package dev.spindle.internal.scheduler;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.internal.task.Task;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.spindle.testkit.ModelChecks.check;
import static dev.spindle.testkit.ModelChecks.join;

/**
 * Lincheck model checks of lazy registration (see "Lazy registration" in {@link Task} and "Shutdown" in
 * {@link Scheduler}) through the real classes: a real {@link Scheduler} (its workers never started), a task
 * spawned into it from outside, its real {@link Task#run}, {@link OwnedTasks} and {@link Scheduler#cancelAll}.
 * The model's threads play the workers: they take the task from the scheduler's inject queue (where a foreign
 * spawn or wake puts it) and run it, as {@code Worker.runOne} does. Racing: the first poll (and its registration
 * when Pending), {@code cancelAll} (close), a foreign wake followed by a second worker, and completion.
 *
 * <p>Invariants, in every explored interleaving, after the threads are joined and the queue drained: the handle
 * is done, and exactly one of {completed with the value, with no release hook run; cancelled, with the release
 * hook run exactly once}; never two polls at once; no poll after the release hook; no first poll by a run that
 * began after {@code cancelAll} returned; the live count is back to 0 and the list of waiting tasks is empty.
 */
@Tag("model")
@Timeout(300)
class RegistrationModelCheckTest {
    private static final int INVOCATIONS = 500;

    /** Pending until poll {@code readyAt} (0: never), then Ready with the number of polls. */
    private static final class Probe implements Future<Integer> {
        final Rig rig;
        final int readyAt;

        Probe(Rig rig, int readyAt) {
            this.rig = rig;
            this.readyAt = readyAt;
        }

        /** Violations are recorded, not thrown: Task.run would turn a throw into a failed task. */
        @Override
        public Poll<Integer> poll(Context cx) {
            int in = rig.inPoll.incrementAndGet();
            rig.violation(in != 1, in + " threads poll the task at once");
            rig.violation(rig.hooks.get() != 0, "polled after its release hook ran");
            int n = rig.polls.incrementAndGet();
            rig.violation(n == 1 && rig.runBeganAfterClose.get(), "first poll by a run that began after cancelAll returned");
            rig.inPoll.decrementAndGet();
            return readyAt > 0 && n >= readyAt ? Poll.ready(n) : Poll.pending();
        }

        @Override
        public void cancel() {
            rig.hooks.incrementAndGet();
        }
    }

    private static final class Rig {
        final Scheduler scheduler = new Scheduler(new SchedulerConfig(1, "model-", 61, 31, 4, 3, 128, true, null, null),
                null);
        final AtomicInteger inPoll = new AtomicInteger();
        final AtomicInteger polls = new AtomicInteger();
        final AtomicInteger hooks = new AtomicInteger();
        final AtomicBoolean cancelAllReturned = new AtomicBoolean();
        /** Whether the current run was taken from the queue after cancelAll returned; set by the taker. */
        final AtomicBoolean runBeganAfterClose = new AtomicBoolean();
        final AtomicReference<String> violation = new AtomicReference<>();
        final JoinHandle<Integer> handle;
        final int readyAt;

        Rig(int readyAt) {
            this.readyAt = readyAt;
            handle = scheduler.spawn(new Probe(this, readyAt), false); // foreign spawn: into the inject queue
        }

        void violation(boolean seen, String what) {
            if (seen) {
                violation.compareAndSet(null, what);
            }
        }

        /** A worker: takes the queued task, if any, and runs it (re-queueing it on REQUEUE, as Worker does). */
        boolean tryRunOne() {
            Task<?> t = scheduler.inject.pop();
            if (t == null) {
                return false;
            }
            runBeganAfterClose.set(cancelAllReturned.get());
            if (t.run(new Context(t)) == Task.RunOutcome.REQUEUE) {
                scheduler.inject.push(t);
            }
            return true;
        }

        void close() {
            scheduler.cancelAll();
            cancelAllReturned.set(true);
        }

        /** A foreign wake, then a worker looking for work. */
        void wakeAndRun() {
            ((Task<?>) handle).wake();
            tryRunOne();
        }

        void drainAndCheck() {
            while (tryRunOne()) {
                // run whatever the wakes and the abort queued
            }
            String where = "polls " + polls + ", hooks " + hooks + ", handle " + handle + ", live "
                    + scheduler.liveCount() + ", registered " + scheduler.registeredTasks();
            check(violation.get() == null, violation.get() + ": " + where);
            check(handle.isDone(), "not done after cancelAll and a drain: " + where);
            if (handle.isCancelled()) {
                check(hooks.get() == 1, "cancelled, but the release hook ran " + hooks + " times: " + where);
                check(readyAt == 0 || polls.get() < readyAt, "cancelled although the future was ready: " + where);
            } else {
                check(hooks.get() == 0, "completed, but the release hook ran: " + where);
                check(readyAt > 0 && polls.get() == readyAt, "completed without being ready: " + where);
                check(handle.join() == readyAt, "wrong value: " + where);
            }
            check(scheduler.liveCount() == 0, "live count not back to 0: " + where);
            check(scheduler.completedCount() == 1, "not exactly one completion: " + where);
            check(scheduler.registeredTasks() == 0, "the list of waiting tasks is not empty: " + where);
        }
    }

    private static Thread start(Runnable r) {
        Thread t = new Thread(r);
        t.start();
        return t;
    }

    /** Ready on its first poll: it completes, or (taken after close) is cancelled unpolled; never registered. */
    @Test
    void readyFirstPollRacesClose() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Rig rig = new Rig(1);
            Thread closer = start(rig::close);
            rig.tryRunOne();
            join(closer);
            rig.drainAndCheck();
        });
    }

    /**
     * Pending on the first poll (so it registers, or finds the list closed), Ready on the second after a foreign
     * wake, which a second worker may run at once: registration, close, the wake and completion all race.
     */
    @Test
    void pendingFirstPollRacesCloseWakeAndCompletion() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Rig rig = new Rig(2);
            Thread closer = start(rig::close);
            Thread waker = start(rig::wakeAndRun);
            rig.tryRunOne();
            join(closer, waker);
            rig.drainAndCheck();
        });
    }

    /** Never ready: whatever the interleaving, close must cancel it exactly once. */
    @Test
    void neverReadyIsCancelledExactlyOnce() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Rig rig = new Rig(0);
            Thread closer = start(rig::close);
            Thread waker = start(rig::wakeAndRun);
            rig.tryRunOne();
            join(closer, waker);
            rig.drainAndCheck();
        });
    }
}
