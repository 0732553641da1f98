package dev.spindle.internal.task;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static dev.spindle.internal.task.TaskStateHarness.check;
import static dev.spindle.testkit.ModelChecks.join;

/**
 * Lincheck model checks of the real {@link Task#run} (not the state machine alone, see
 * {@link TaskStateModelCheckTest}): its self-wake path (a future that wakes its own waker during its poll is
 * recorded in a plain field and turned into one RUNNING → scheduled CAS) racing a wake from another thread
 * and an abort. A {@link TaskScheduler} double counts the queued copies (schedule) and completions; workers
 * take a copy and call {@code run}, re-queueing on REQUEUE, as {@code Worker.runOne} does.
 *
 * <p>Invariants, in every explored interleaving: never two polls at once, never two queued copies, every
 * queued copy runs exactly once, completion at most once (exactly once if aborted), and no wake is lost: a
 * poll that woke itself is always followed by another poll (or completion), and an external wake whose
 * ticket the last poll did not see is always followed by another run. At quiescence the task is IDLE or DONE.
 *
 * <p>Limitation, measured on Lincheck 3.7: dropping the self-wake (always {@code transitionToIdle()}) is
 * caught, but a mutant of {@code wake()} that takes the plain self-wake path whenever {@code runner != null}
 * (so a foreign wake writes {@code selfWoken} racily) passed even at 5,000 invocations: the model checker did
 * not produce the schedule that loses it (waker reads {@code runner}, the poll ends and goes idle, then the
 * waker writes {@code selfWoken}).
 */
@Tag("model")
@Timeout(120)
class TaskRunModelCheckTest {
    private static final int INVOCATIONS = 500;

    /** A future that wakes itself during its first {@code selfWakes} polls and is ready at poll {@code readyAt} (0: never). */
    private static final class SelfWakingFuture implements Future<Integer> {
        final Rig rig;
        final int selfWakes;
        final int readyAt;

        SelfWakingFuture(Rig rig, int selfWakes, int readyAt) {
            this.rig = rig;
            this.selfWakes = selfWakes;
            this.readyAt = readyAt;
        }

        @Override
        public Poll<Integer> poll(Context cx) {
            int in = rig.inPoll.incrementAndGet();
            check(in == 1, in + " threads poll the task at once");
            rig.lastPollSaw.set(rig.wakeTickets.get()); // after transitionToRunning: see TaskStateHarness
            int n = rig.polls.incrementAndGet();
            boolean selfWake = n <= selfWakes;
            rig.lastPollSelfWoke = selfWake;
            if (selfWake) {
                cx.waker().wake(); // on the polling thread: Task records it in selfWoken
            }
            rig.inPoll.decrementAndGet();
            return readyAt > 0 && n >= readyAt ? Poll.ready(n) : Poll.pending();
        }

        @Override
        public void cancel() {
            rig.cancelHooks.incrementAndGet();
        }
    }

    /** The scheduler double and the counters. */
    private static final class Rig implements TaskScheduler {
        final AtomicInteger queued = new AtomicInteger(1); // the spawn's copy
        final AtomicInteger insertions = new AtomicInteger(1);
        final AtomicInteger runs = new AtomicInteger();
        final AtomicInteger polls = new AtomicInteger();
        final AtomicInteger inPoll = new AtomicInteger();
        final AtomicInteger completions = new AtomicInteger();
        final AtomicInteger cancelHooks = new AtomicInteger();
        final AtomicLong wakeTickets = new AtomicLong();
        final AtomicLong lastPollSaw = new AtomicLong(-1);
        /** Whether the latest poll woke itself; written by the polling thread (one at a time). */
        volatile boolean lastPollSelfWoke;
        final Task<Integer> task;
        final Context cx;

        Rig(int selfWakes, int readyAt) {
            task = new Task<>(1, new SelfWakingFuture(this, selfWakes, readyAt), this);
            cx = new Context(task);
        }

        @Override
        public void schedule(Task<?> t, boolean fromWake) {
            check(t == task, "scheduled a foreign task");
            enqueue();
        }

        @Override
        public void taskCompleted(Task<?> t, Throwable unobservedFailure) {
            check(unobservedFailure == null, "unexpected failure " + unobservedFailure);
            completions.incrementAndGet();
        }

        @Override
        public void reportHookFailure(Task<?> t, Throwable failure) {
            throw new AssertionError("hook failed", failure);
        }

        private void enqueue() {
            insertions.incrementAndGet();
            int n = queued.incrementAndGet();
            check(n == 1, "task queued twice (" + n + " copies), state " + TaskState.describeBits(task.stateBits()));
        }

        /** A foreign waker: ticket first, then Task.wake() (see TaskStateHarness). */
        void wake() {
            wakeTickets.incrementAndGet();
            task.wake();
        }

        /** A worker: takes a queued copy if any and runs it. */
        boolean tryRunOne() {
            if (!TaskStateHarness.takeQueued(queued)) {
                return false;
            }
            runs.incrementAndGet();
            Task.RunOutcome outcome = task.run(cx);
            if (outcome == Task.RunOutcome.REQUEUE) {
                enqueue(); // the worker puts it back at the back of its queue
            }
            return true;
        }

        void drain() {
            while (tryRunOne()) {
                // keep running
            }
        }

        void checkQuiescent() {
            int s = task.stateBits();
            String where = "state " + TaskState.describeBits(s) + ", runs " + runs + ", polls " + polls
                    + ", insertions " + insertions + ", completions " + completions + ", tickets " + wakeTickets
                    + ", last poll saw " + lastPollSaw + ", last poll self-woke " + lastPollSelfWoke;
            check(queued.get() == 0, "copies left: " + where);
            check(runs.get() == insertions.get(), "every insertion runs exactly once: " + where);
            check(completions.get() <= 1, "completed more than once: " + where);
            check(cancelHooks.get() <= 1, "release hook ran more than once: " + where);
            check((s & TaskState.RUNNING) == 0, "RUNNING at quiescence: " + where);
            if ((s & TaskState.COMPLETE) != 0) {
                check(completions.get() == 1, "COMPLETE without taskCompleted: " + where);
                check(task.isDone(), "COMPLETE but outcome not published: " + where);
            } else {
                check(s == 0, "not IDLE at quiescence (a wake or abort was left unhandled): " + where);
                check(completions.get() == 0, "completed but not COMPLETE: " + where);
                check(!lastPollSelfWoke, "lost self-wake: the last poll woke itself and was never polled again: " + where);
                check(lastPollSaw.get() == wakeTickets.get(), "lost wake: " + where);
            }
        }
    }

    private static Thread start(Runnable r) {
        Thread t = new Thread(r);
        t.start();
        return t;
    }

    /**
     * No self-wake: a foreign wake racing the poll must take the CAS path ({@code runner} is the polling
     * thread, never the waker's), so a wake landing during the poll yields exactly one more poll.
     */
    @Test
    void foreignWakeDuringPoll() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Rig rig = new Rig(0, 0);
            Thread waker = start(rig::wake);
            rig.tryRunOne();
            join(waker);
            rig.drain();
            rig.checkQuiescent();
        });
    }

    /** Self-wakes on its first poll (a yield), never ready; a foreign wake and two workers race. */
    @Test
    void selfWakeRacingForeignWake() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Rig rig = new Rig(1, 0);
            Thread waker = start(rig::wake);
            Thread worker2 = start(rig::tryRunOne);
            rig.tryRunOne();
            rig.tryRunOne();
            join(waker, worker2);
            rig.drain();
            rig.checkQuiescent();
            check(rig.polls.get() >= 2, "a self-woken poll must be followed by another: polls " + rig.polls);
        });
    }

    /** Self-wakes on its first two polls, ready on the third; a foreign wake and an abort race the worker. */
    @Test
    void selfWakeRacingWakeAndAbort() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Rig rig = new Rig(2, 3);
            Thread waker = start(rig::wake);
            Thread aborter = start(rig.task::abort);
            rig.tryRunOne();
            rig.tryRunOne();
            join(waker, aborter);
            rig.drain();
            rig.checkQuiescent();
            check(rig.task.isDone(), "an aborted (or ready) task must complete: " + rig.task);
            check(rig.completions.get() == 1, "exactly one completion, was " + rig.completions);
            if (rig.task.isCancelled()) {
                check(rig.polls.get() < 3, "cancelled although the future was ready");
            }
        });
    }
}
