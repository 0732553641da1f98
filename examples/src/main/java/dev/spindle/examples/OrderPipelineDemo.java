package dev.spindle.examples;

import dev.spindle.Future;
import dev.spindle.JoinHandle;
import dev.spindle.SpindleRuntime;
import dev.spindle.sync.Mpsc;
import dev.spindle.sync.Notify;
import dev.spindle.time.Time;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * handing its waker to a channel, a timer or a join handle. This file wires them together; each task is in a
 * file of its own: {@link OrderProducer}, {@link OrderPricer}, {@link OrderAggregator}, {@link ProgressReporter}.
 * Run it with {@code ./mvnw -q -pl examples -am package -DskipTests && java -cp ...
 * dev.spindle.examples.OrderPipelineDemo} or simply with the command at the top of the README.
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
                rt.spawn(new OrderPricer(rt, inbox.receiver(), results.sender().newSender(), progress));
            }
            results.sender().close(); // each pricer holds its own sender; the aggregator ends when all close

            JoinHandle<Void> reporter =
                    rt.spawn(new ProgressReporter(Time.interval(Duration.ofMillis(250)), stop, progress));
            JoinHandle<Summary> aggregator = rt.spawn(new OrderAggregator(results.receiver()));
            JoinHandle<Integer> producer = rt.spawn(new OrderProducer(inboxes, ORDERS));

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
}
