package dev.spindle.examples;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.examples.OrderPipelineDemo.Priced;
import dev.spindle.examples.OrderPipelineDemo.Summary;
import dev.spindle.sync.Mpsc;

/** Fan-in: sums the results until every pricer has closed its sender. */
final class OrderAggregator implements Future<Summary> {
    private final Mpsc.Receiver<Priced> results;
    private long orders;
    private long cents;
    private long checks;
    private long timeouts;

    OrderAggregator(Mpsc.Receiver<Priced> results) {
        this.results = results;
    }

    @Override
    public Poll<Summary> poll(Context cx) {
        for (;;) {
            Poll<Priced> p = results.pollRecv(cx);
            if (p.isPending()) {
                return Poll.pending(); // also when the cooperative budget is spent: we were re-woken
            }
            Priced r = p.value();
            if (r == null) {
                return Poll.ready(new Summary(orders, cents, checks, timeouts));
            }
            orders++;
            cents += r.cents();
            if (r.fraudChecked()) {
                checks++;
            }
            if (r.fraudTimedOut()) {
                timeouts++;
            }
        }
    }

    @Override
    public void cancel() {
        results.close();
    }
}
