package dev.spindle.faults;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.Waker;

import java.util.concurrent.atomic.AtomicReference;

/** Pending until {@link #open()} from any thread, which wakes the task that polled it last. */
final class FaultTierGate implements Future<Void> {
    private volatile boolean open;
    private final AtomicReference<Waker> waker = new AtomicReference<>();

    @Override
    public Poll<Void> poll(Context cx) {
        waker.set(cx.waker());
        return open ? Poll.readyNull() : Poll.pending(); // volatile read after storing the waker: no lost wake
    }

    void open() {
        open = true;
        Waker w = waker.get();
        if (w != null) {
            w.wake();
        }
    }
}
