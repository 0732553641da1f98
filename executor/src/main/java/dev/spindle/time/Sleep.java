package dev.spindle.time;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.internal.scheduler.Scheduler;
import dev.spindle.internal.time.TimeDriver;
import dev.spindle.internal.time.TimerEntry;

/**
 * A future that completes at a deadline ({@link System#nanoTime()} base). Lazy: the timer is registered
 * with the runtime's timing wheel on the first poll, which must happen on a runtime's worker.
 *
 * <h2>States</h2>
 * <pre>
 *   NEW ──poll (deadline passed)──▶ DONE
 *   NEW ──poll──▶ REGISTERED ──timer fires, wake──▶ poll ──▶ DONE
 *   REGISTERED ──cancel()──▶ entry removed from the wheel
 * </pre>
 * Resolution is one millisecond; a sleep never completes before its deadline. The waker is re-stored only
 * when a poll brings a waker that would not wake the same task.
 */
public final class Sleep implements Future<Void> {
    private long deadlineNanos;
    private TimerEntry entry;
    private TimeDriver driver;
    private boolean done;

    Sleep(long deadlineNanos) {
        this.deadlineNanos = deadlineNanos;
    }

    /** The deadline, {@link System#nanoTime()} base. */
    public long deadlineNanos() {
        return deadlineNanos;
    }

    /** Whether the deadline has been reached (as observed by a poll). */
    public boolean isElapsed() {
        return done;
    }

    @Override
    public Poll<Void> poll(Context cx) {
        Poll<Void> p = pollInner(cx);
        if (p.isReady()) {
            cx.markProgress(); // the timer fired
        } else {
            cx.waitingOn(this);
        }
        return p;
    }

    private Poll<Void> pollInner(Context cx) {
        if (done) {
            throw new IllegalStateException("Sleep polled after it completed: create a new one, or use reset()");
        }
        if (entry == null) {
            if (System.nanoTime() - deadlineNanos >= 0) {
                done = true;
                return Poll.readyNull();
            }
            TimeDriver d = currentDriver();
            TimerEntry e = new TimerEntry(cx.waker());
            if (!d.register(e, deadlineNanos, Scheduler.currentWorkerIndex())) { // this worker's shard
                done = true;
                return Poll.readyNull();
            }
            entry = e;
            driver = d;
            return Poll.pending();
        }
        TimerEntry e = entry;
        if (e.hasFired()) { // volatile read; pairs with the driver's write before it reads the waker
            finish();
            return Poll.readyNull();
        }
        e.updateWaker(cx.waker()); // volatile write, then the re-check below (Dekker with the driver)
        if (e.hasFired()) {
            finish();
            return Poll.readyNull();
        }
        return Poll.pending();
    }

    private void finish() {
        done = true;
        entry = null;
        driver = null;
    }

    /** Moves the deadline; a sleep that already completed becomes pending again. */
    public void reset(long newDeadlineNanos) {
        if (entry != null) {
            driver.deregister(entry);
            entry = null;
            driver = null;
        }
        deadlineNanos = newDeadlineNanos;
        done = false;
    }

    /** Removes the timer from the wheel. */
    @Override
    public void cancel() {
        if (entry != null) {
            driver.deregister(entry);
            entry = null;
            driver = null;
        }
        done = true;
    }

    static TimeDriver currentDriver() {
        Scheduler s = Scheduler.current();
        if (s == null) {
            throw new IllegalStateException("a Spindle timer was polled outside a runtime's worker thread: timers are"
                    + " driven by the runtime, so poll sleep/interval/timeout futures inside a spawned task"
                    + " (or pass them to runtime.blockOn(...))");
        }
        return s.time();
    }

    /** What a waiting task waits on, in task dumps. */
    @Override
    public String toString() {
        long left = deadlineNanos - System.nanoTime();
        return left > 0 ? "timer due in " + left / 1_000_000 + " ms" : "timer due (" + (-left / 1_000_000) + " ms ago)";
    }
}
