package dev.spindle.internal.scheduler;

import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.spindle.internal.scheduler.QueueTestTasks.check;
import static dev.spindle.internal.scheduler.QueueTestTasks.task;
import static dev.spindle.testkit.ModelChecks.join;

/**
 * Lincheck model checks of the idle protocol ({@link Idle}) with the real {@link InjectQueue}: a foreign
 * submitter (push, then {@link Idle#workerToNotify()}, as {@code Scheduler.schedule/notifyParked} do) races
 * workers that run out of work and park the way {@code Worker.search/park} do:
 * <pre>
 *   searching = transitionToSearching()          // may be refused (half rule)
 *   if searching and !inject.isEmpty(): found    // the scan
 *   wasLast = transitionToParked(w, searching)
 *   if wasLast and !inject.isEmpty(): re-check saw the work → workerToNotify() (may pick w itself)
 *   "park"; then wasNotified(w) ? searching (→ finds work, transitionFromSearching) : stays parked
 * </pre>
 * The park itself is not executed (it would block, and Lincheck's model of {@code LockSupport.park} returns
 * spuriously anyway): a worker that was not notified simply stays parked, which is what makes a stranded task
 * visible. Invariant: the task is found by a scan or a re-check, or some worker was picked to be woken.
 * At the end the counts must match the sleepers list (no negative counts, no duplicates).
 */
@Tag("model")
@Timeout(120)
class IdleModelCheckTest {
    private static final int INVOCATIONS = 1_000;

    /** What one modelled worker did. */
    private static final class WorkerRun {
        boolean foundInScan;
        boolean reCheckSaw;
        int notifiedByReCheck = -1;
        int notifiedAfterFind = -1;
        boolean notified;
    }

    /** Worker w runs out of work and parks (see class doc). */
    private static WorkerRun parkingWorker(Idle idle, InjectQueue inject, int w) {
        WorkerRun r = new WorkerRun();
        boolean searching = idle.transitionToSearching();
        if (searching && !inject.isEmpty()) {
            r.foundInScan = true;
            if (idle.transitionFromSearching()) {
                r.notifiedAfterFind = idle.workerToNotify();
            }
            return r;
        }
        boolean wasLast = idle.transitionToParked(w, searching);
        if (wasLast && !inject.isEmpty()) {
            r.reCheckSaw = true;
            r.notifiedByReCheck = idle.workerToNotify();
        }
        // (park here)
        if (idle.wasNotified(w)) {
            r.notified = true;
            // Woken as a searcher: it finds the work and stops searching.
            if (idle.transitionFromSearching()) {
                r.notifiedAfterFind = idle.workerToNotify();
            }
        }
        return r;
    }

    /**
     * After the threads ended: a worker that some notifier picked while it was already "parked" (its own
     * wasNotified ran before the pick) is woken now, as its unpark would: it must see the notification and, as
     * a searcher, stop searching.
     */
    private static void wakePicked(Idle idle, WorkerRun[] run, int submitterPicked) {
        boolean[] picked = new boolean[run.length];
        if (submitterPicked >= 0) {
            picked[submitterPicked] = true;
        }
        for (WorkerRun r : run) {
            if (r.notifiedByReCheck >= 0) {
                picked[r.notifiedByReCheck] = true;
            }
            if (r.notifiedAfterFind >= 0) {
                picked[r.notifiedAfterFind] = true;
            }
        }
        for (boolean progress = true; progress; ) {
            progress = false;
            for (int w = 0; w < run.length; w++) {
                if (picked[w] && !run[w].notified) {
                    check(idle.wasNotified(w), "worker " + w + " was picked but is still listed as sleeping");
                    run[w].notified = true;
                    progress = true;
                    if (idle.transitionFromSearching()) { // it found the work; as the last searcher it notifies
                        int next = idle.workerToNotify();
                        if (next >= 0) {
                            picked[next] = true;
                        }
                    }
                }
            }
        }
    }

    /** One worker (numWorkers 1) parks as the last searcher while a task is submitted. */
    @Test
    void lastSearcherParkingRacingSubmit() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Idle idle = new Idle(1);
            InjectQueue inject = new InjectQueue();
            int[] picked = {-2};
            WorkerRun[] run = new WorkerRun[1];
            Thread submitter = new Thread(() -> {
                inject.push(task(1));
                picked[0] = idle.workerToNotify();
            });
            Thread worker = new Thread(() -> run[0] = parkingWorker(idle, inject, 0));
            submitter.start();
            worker.start();
            join(submitter);
            join(worker);
            WorkerRun r = run[0];
            check(r.foundInScan || r.reCheckSaw || picked[0] == 0,
                    "stranded: the worker parked without seeing the task and the submitter picked " + picked[0]);
            check(picked[0] == -1 || picked[0] == 0, "bad worker index " + picked[0]);
            wakePicked(idle, run, picked[0]);
            checkConsistent(idle, 1);
            check(idle.searchingCount() == 0, "searching count " + idle.searchingCount() + " after all found work");
        });
    }

    /**
     * Two workers (numWorkers 2, so at most one searcher unless the racy increment lets both in) park
     * while a task is submitted: one may park without searching and then does not re-check.
     */
    @Test
    void twoWorkersParkingRacingSubmit() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Idle idle = new Idle(2);
            InjectQueue inject = new InjectQueue();
            int[] picked = {-2};
            WorkerRun[] run = new WorkerRun[2];
            Thread submitter = new Thread(() -> {
                inject.push(task(1));
                picked[0] = idle.workerToNotify();
            });
            Thread w0 = new Thread(() -> run[0] = parkingWorker(idle, inject, 0));
            Thread w1 = new Thread(() -> run[1] = parkingWorker(idle, inject, 1));
            submitter.start();
            w0.start();
            w1.start();
            join(submitter);
            join(w0);
            join(w1);
            boolean seen = false;
            for (WorkerRun r : run) {
                seen |= r.foundInScan || r.reCheckSaw || r.notified;
            }
            check(seen || picked[0] >= 0, "stranded: no worker saw the task and the submitter picked " + picked[0]);
            wakePicked(idle, run, picked[0]);
            checkConsistent(idle, 2);
            check(idle.searchingCount() == 0, "searching count " + idle.searchingCount() + " after all found work");
        });
    }

    /**
     * Two searchers (numWorkers 4) stop searching concurrently: at least one is told it was the last, and the
     * searching count ends at 0; a third worker parking meanwhile leaves the counts consistent.
     */
    @Test
    void transitionFromSearchingLastSearcherRule() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Idle idle = new Idle(4);
            AtomicInteger lasts = new AtomicInteger();
            boolean[] admitted = new boolean[2];
            Thread s0 = new Thread(() -> {
                admitted[0] = idle.transitionToSearching();
                if (admitted[0] && idle.transitionFromSearching()) {
                    lasts.incrementAndGet();
                }
            });
            Thread s1 = new Thread(() -> {
                admitted[1] = idle.transitionToSearching();
                if (admitted[1] && idle.transitionFromSearching()) {
                    lasts.incrementAndGet();
                }
            });
            Thread parker = new Thread(() -> idle.transitionToParked(3, false));
            s0.start();
            s1.start();
            parker.start();
            join(s0);
            join(s1);
            join(parker);
            check(admitted[0] && admitted[1], "two of four workers may always search");
            check(lasts.get() >= 1, "somebody must be the last searcher");
            check(idle.searchingCount() == 0, "searching count " + idle.searchingCount());
            checkConsistent(idle, 4);
        });
    }

    /**
     * A parked worker wakes on its own ({@link Idle#unparkSelf}: local work, a timer) while a submitter picks
     * it: it is counted unparked exactly once, and it is a searcher iff the submitter picked it.
     */
    @Test
    void unparkSelfRacingNotify() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Idle idle = new Idle(2);
            idle.transitionToParked(1, false); // worker 1 parked, worker 0 busy
            int[] picked = {-2};
            boolean[] wasNotified = new boolean[1];
            Thread submitter = new Thread(() -> picked[0] = idle.workerToNotify());
            Thread sleeper = new Thread(() -> wasNotified[0] = idle.unparkSelf(1));
            submitter.start();
            sleeper.start();
            join(submitter);
            join(sleeper);
            check(picked[0] == 1 || picked[0] == -1, "bad pick " + picked[0]);
            check((picked[0] == 1) == wasNotified[0], "picked " + picked[0] + " but unparkSelf said " + wasNotified[0]);
            checkConsistent(idle, 2);
            check(idle.parkedCount() == 0, "nobody is parked any more");
            check(idle.searchingCount() == (wasNotified[0] ? 1 : 0), "searching " + idle.searchingCount());
        });
    }

    /** Counts vs. sleepers list: unparked = n - parked, searching <= unparked, list and flags agree. */
    private static void checkConsistent(Idle idle, int n) {
        int s = (int) get(idle, "state");
        int count = (int) get(idle, "sleeperCount");
        int[] sleepers = (int[]) get(idle, "sleepers");
        boolean[] isSleeping = (boolean[]) get(idle, "isSleeping");
        int unparked = Idle.unparked(s);
        int searching = Idle.searching(s);
        String where = "unparked " + unparked + ", searching " + searching + ", sleepers " + count;
        check(count >= 0 && count <= n, "sleeper count out of range: " + where);
        check(unparked >= 0 && unparked <= n, "unparked out of range: " + where);
        check(searching >= 0 && searching <= unparked, "searching out of range: " + where);
        check(unparked == n - count, "unparked + parked != workers: " + where);
        int flagged = 0;
        for (int w = 0; w < n; w++) {
            if (isSleeping[w]) {
                flagged++;
            }
        }
        check(flagged == count, "isSleeping flags " + flagged + " but list holds " + count);
        for (int i = 0; i < count; i++) {
            check(isSleeping[sleepers[i]], "worker " + sleepers[i] + " listed but not flagged");
            for (int j = 0; j < i; j++) {
                check(sleepers[i] != sleepers[j], "worker " + sleepers[i] + " listed twice");
            }
        }
    }

    private static Object get(Idle idle, String field) {
        try {
            Field f = Idle.class.getDeclaredField(field);
            f.setAccessible(true);
            return f.get(idle);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
