package dev.spindle.examples;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.TaskFailedException;
import dev.spindle.sync.Mpsc;
import dev.spindle.sync.Notify;
import dev.spindle.time.DeadlineExceededException;
import dev.spindle.time.Interval;
import dev.spindle.time.Time;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The main demo: a fan-out/fan-in order-pricing job on a Spindle runtime.
 *
 * <pre>
 *   producer ──bounded mpsc (backpressure)──▶ 8 pricing tasks ──unbounded mpsc──▶ aggregator
 *                                               │ inventory lookup: Time.sleep (a simulated remote call)
 *                                               │ fraud check: spawnBlocking on a virtual thread, under Time.timeout
 *   reporter: Time.interval, stopped through a Notify
 * </pre>
 *
 * Every task is a hand-written {@link Future}: a small state machine that returns {@code Pending} only after
 * handing its waker to a channel, a timer or a join handle. Run it with
 * {@code ./mvnw -q -pl examples -am package -DskipTests && java -cp ... dev.spindle.examples.OrderPipelineDemo}
 * or simply with the command at the top of the README.
 */
public final class OrderPipelineDemo {
    static final int ORDERS = 20_000;
    static final int PRICERS = 8;
    static final int QUEUE_CAPACITY = 32;
    /** Orders above this amount get a (blocking) fraud check. */
    static final int FRAUD_CHECK_ABOVE = 950;
    static final Duration FRAUD_CHECK_DEADLINE = Duration.ofMillis(25);

    record Order(int id, int amount, int lookupMillis) {
    }

    record Priced(int id, long cents, boolean fraudChecked, boolean fraudTimedOut) {
    }

    record Summary(long orders, long revenueCents, long fraudChecks, long fraudTimeouts) {
    }

    public static void main(String[] args) {
        long t0 = System.nanoTime();
        try (SpindleRuntime rt = SpindleRuntime.builder().threadNamePrefix("demo-worker-").build()) {
            AtomicLong progress = new AtomicLong();
            Notify stop = new Notify();

            Mpsc.Channel<Priced> results = Mpsc.unbounded();
            List<Mpsc.Sender<Order>> inboxes = new ArrayList<>();
            for (int i = 0; i < PRICERS; i++) {
                Mpsc.Channel<Order> inbox = Mpsc.bounded(QUEUE_CAPACITY);
                inboxes.add(inbox.sender());
                rt.spawn(new Pricer(rt, inbox.receiver(), results.sender().newSender(), progress));
            }
            results.sender().close(); // each pricer holds its own sender; the aggregator ends when all close

            JoinHandle<Void> reporter = rt.spawn(new Reporter(Time.interval(Duration.ofMillis(250)), stop, progress));
            JoinHandle<Summary> aggregator = rt.spawn(new Aggregator(results.receiver()));
            JoinHandle<Integer> producer = rt.spawn(new Producer(inboxes, ORDERS));

            int produced = producer.join();
            Summary s = aggregator.join();
            stop.notifyOne();
            reporter.join();

            long ms = Duration.ofNanos(System.nanoTime() - t0).toMillis();
            System.out.printf("%nproduced %d orders; priced %d on %d pricing tasks in %d ms%n", produced, s.orders(), PRICERS, ms);
            System.out.printf("revenue %.2f; %d fraud checks on virtual threads, %d exceeded the %d ms deadline%n",
                    s.revenueCents() / 100.0, s.fraudChecks(), s.fraudTimeouts(), FRAUD_CHECK_DEADLINE.toMillis());
            System.out.println();
            System.out.print(rt.metrics().describe());
            if (s.orders() != ORDERS || produced != ORDERS) {
                throw new IllegalStateException("lost orders: produced " + produced + ", priced " + s.orders());
            }
        }
    }

    /** Generates orders and deals them round-robin to the pricers' bounded inboxes (waiting when full). */
    static final class Producer implements Future<Integer> {
        private final List<Mpsc.Sender<Order>> inboxes;
        private final int total;
        private final SplittableRandom random = new SplittableRandom(42);
        private int next;
        private Future<Void> sending;

        Producer(List<Mpsc.Sender<Order>> inboxes, int total) {
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

    /** Prices orders: a simulated inventory lookup, sometimes a blocking fraud check, then the result. */
    static final class Pricer implements Future<Integer> {
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

        Pricer(SpindleRuntime rt, Mpsc.Receiver<Order> inbox, Mpsc.Sender<Priced> out, AtomicLong progress) {
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

    /** Fan-in: sums the results until every pricer has closed its sender. */
    static final class Aggregator implements Future<Summary> {
        private final Mpsc.Receiver<Priced> results;
        private long orders;
        private long cents;
        private long checks;
        private long timeouts;

        Aggregator(Mpsc.Receiver<Priced> results) {
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

    /** Prints progress every tick of an interval until notified to stop. */
    static final class Reporter implements Future<Void> {
        private final Interval interval;
        private final Future<Void> stopped;
        private final AtomicLong progress;
        private long last = -1;

        Reporter(Interval interval, Notify stop, AtomicLong progress) {
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
}
