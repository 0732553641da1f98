package dev.spindle.examples;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.sync.Notify;
import dev.spindle.time.Interval;

import java.util.concurrent.atomic.AtomicLong;

/** Prints progress every tick of an interval until notified to stop. */
final class ProgressReporter implements Future<Void> {
    private final Interval interval;
    private final Future<Void> stopped;
    private final AtomicLong progress;
    private long last = -1;

    ProgressReporter(Interval interval, Notify stop, AtomicLong progress) {
        this.interval = interval;
        this.stopped = stop.notified();
        this.progress = progress;
    }

    @Override
    public Poll<Void> poll(Context cx) {
        if (stopped.poll(cx).isReady()) {
            interval.cancel();
            return Poll.readyNull();
        }
        while (interval.pollTick(cx).isReady()) {
            long p = progress.get();
            if (p != last) {
                System.out.printf("  ... %,d orders priced%n", p);
                last = p;
            }
        }
        return Poll.pending();
    }

    @Override
    public void cancel() {
        stopped.cancel();
        interval.cancel();
    }
}
