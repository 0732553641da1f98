package dev.spindle.examples;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.examples.OrderPipelineDemo.Order;
import dev.spindle.sync.Mpsc;

import java.util.List;
import java.util.SplittableRandom;

/** Generates orders and deals them round-robin to the pricers' bounded inboxes (waiting when full). */
final class OrderProducer implements Future<Integer> {
    private final List<Mpsc.Sender<Order>> inboxes;
    private final int total;
    private final SplittableRandom random = new SplittableRandom(42);
    private int next;
    private Future<Void> sending;

    OrderProducer(List<Mpsc.Sender<Order>> inboxes, int total) {
        this.inboxes = inboxes;
        this.total = total;
    }

    @Override
    public Poll<Integer> poll(Context cx) {
        for (;;) {
            if (sending != null) {
                if (sending.poll(cx).isPending()) {
                    return Poll.pending(); // the inbox is full: the send future holds our waker
                }
                sending = null;
                next++;
            }
            if (next == total) {
                inboxes.forEach(Mpsc.Sender::close);
                return Poll.ready(total);
            }
            // One order in four needs a 1-3 ms inventory lookup.
            int lookup = random.nextInt(4) == 0 ? 1 + random.nextInt(3) : 0;
            Order o = new Order(next, 1 + random.nextInt(1000), lookup);
            sending = inboxes.get(next % inboxes.size()).send(o);
        }
    }

    @Override
    public void cancel() {
        if (sending != null) {
            sending.cancel();
        }
        inboxes.forEach(Mpsc.Sender::close);
    }
}
