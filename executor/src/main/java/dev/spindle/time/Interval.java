package dev.spindle.time;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;

import java.time.Duration;

/**
 * Periodic ticks. {@link #tick()} returns a future that completes at the next tick with the tick's
 * scheduled time ({@link System#nanoTime()} base). One internal {@link Sleep} is reused. Poll from one task.
 */
public final class Interval {
    private final long periodNanos;
    private final MissedTickBehavior behavior;
    private final Sleep sleep;
    private final Duration period;

    Interval(long firstTickNanos, Duration period, MissedTickBehavior behavior) {
        this.period = period;
        this.periodNanos = Time.saturatedNanos(period);
        this.behavior = behavior;
        this.sleep = new Sleep(firstTickNanos);
    }

    public Duration period() {
        return period;
    }

    /** Polls for the next tick; Ready with its scheduled time. */
    public Poll<Long> pollTick(Context cx) {
        if (sleep.poll(cx).isPending()) {
            return Poll.pending();
        }
        long scheduled = sleep.deadlineNanos();
        long now = System.nanoTime();
        long next = switch (behavior) {
            case BURST -> scheduled + periodNanos;
            case DELAY -> now + periodNanos;
            case SKIP -> {
                long missed = Math.max(0, (now - scheduled) / periodNanos);
                yield scheduled + (missed + 1) * periodNanos;
            }
        };
        sleep.reset(next);
        return Poll.ready(scheduled);
    }

    /** A future for the next tick. Cancelling it leaves the interval usable. */
    public Future<Long> tick() {
        return new Future<>() {
            private boolean done;

            @Override
            public Poll<Long> poll(Context cx) {
                if (done) {
                    throw new IllegalStateException("Interval.tick() future polled after it completed: call tick() again");
                }
                Poll<Long> p = pollTick(cx);
                done = p.isReady();
                return p;
            }

            @Override
            public void cancel() {
                // The interval's sleep stays registered: the next tick() reuses it. Deregister via Interval.cancel().
            }
        };
    }

    /** Removes the pending timer (the interval can be ticked again later). */
    public void cancel() {
        long d = sleep.deadlineNanos();
        sleep.cancel();
        sleep.reset(d);
    }
}
