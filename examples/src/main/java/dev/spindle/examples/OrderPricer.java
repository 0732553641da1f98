package dev.spindle.examples;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.TaskFailedException;
import dev.spindle.examples.OrderPipelineDemo.Order;
import dev.spindle.examples.OrderPipelineDemo.Priced;
import dev.spindle.sync.Mpsc;
import dev.spindle.time.DeadlineExceededException;
import dev.spindle.time.Time;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static dev.spindle.examples.OrderPipelineDemo.FRAUD_CHECK_ABOVE;
import static dev.spindle.examples.OrderPipelineDemo.FRAUD_CHECK_DEADLINE;

/** Prices orders: a simulated inventory lookup, sometimes a blocking fraud check, then the result. */
final class OrderPricer implements Future<Integer> {
    private enum Step { RECEIVE, LOOKUP, FRAUD_CHECK }

    private final SpindleRuntime rt;
    private final Mpsc.Receiver<Order> inbox;
    private final Mpsc.Sender<Priced> out;
    private final AtomicLong progress;
    private Step step = Step.RECEIVE;
    private Order order;
    private Future<Void> lookup;
    private Future<Integer> fraudCheck;
    private int priced;

    OrderPricer(SpindleRuntime rt, Mpsc.Receiver<Order> inbox, Mpsc.Sender<Priced> out, AtomicLong progress) {
        this.rt = rt;
        this.inbox = inbox;
        this.out = out;
        this.progress = progress;
    }

    @Override
    public Poll<Integer> poll(Context cx) {
        for (;;) {
            switch (step) {
                case RECEIVE -> {
                    Poll<Order> p = inbox.pollRecv(cx);
                    if (p.isPending()) {
                        return Poll.pending();
                    }
                    order = p.value();
                    if (order == null) { // the producer closed our inbox: done
                        out.close();
                        return Poll.ready(priced);
                    }
                    if (order.lookupMillis() > 0) {
                        lookup = Time.sleep(Duration.ofMillis(order.lookupMillis()));
                        step = Step.LOOKUP;
                    } else {
                        afterLookup();
                    }
                }
                case LOOKUP -> {
                    if (lookup.poll(cx).isPending()) {
                        return Poll.pending();
                    }
                    lookup = null;
                    afterLookup();
                }
                case FRAUD_CHECK -> {
                    boolean timedOut = false;
                    try {
                        if (fraudCheck.poll(cx).isPending()) {
                            return Poll.pending();
                        }
                    } catch (DeadlineExceededException e) {
                        timedOut = true; // the check is cancelled (its virtual thread interrupted)
                    } catch (TaskFailedException e) {
                        throw new IllegalStateException("fraud check failed for order " + order.id(), e.getCause());
                    }
                    fraudCheck = null;
                    emit(true, timedOut);
                }
            }
        }
    }

    private void afterLookup() {
        if (order.amount() > FRAUD_CHECK_ABOVE) {
            Order o = order;
            fraudCheck = Time.timeout(FRAUD_CHECK_DEADLINE, rt.spawnBlocking(() -> fraudScore(o)));
            step = Step.FRAUD_CHECK;
        } else {
            emit(false, false);
        }
    }

    private void emit(boolean checked, boolean timedOut) {
        long cents = order.amount() * 100L + (order.amount() * 7L) % 100; // price plus a "tax"
        switch (out.trySend(new Priced(order.id(), cents, checked, timedOut))) {
            case OK -> {
            }
            case FULL -> throw new IllegalStateException("an unbounded channel cannot be full");
            case CLOSED -> throw new IllegalStateException("the aggregator went away");
        }
        priced++;
        progress.incrementAndGet();
        order = null;
        step = Step.RECEIVE;
    }

    /** Blocking work, as a legacy fraud service client would do: it sleeps. Runs on a virtual thread. */
    private static int fraudScore(Order o) throws InterruptedException {
        Thread.sleep(o.id() % 10 == 0 ? 40 : 2); // every tenth check is too slow for the deadline
        return o.amount() % 97;
    }

    @Override
    public void cancel() {
        if (lookup != null) {
            lookup.cancel();
        }
        if (fraudCheck != null) {
            fraudCheck.cancel();
        }
        inbox.close();
        out.close();
    }
}
