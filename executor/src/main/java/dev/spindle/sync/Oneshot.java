package dev.spindle.sync;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;

/**
 * A channel that carries exactly one value from one sender to one receiver, like {@code tokio::sync::oneshot}.
 *
 * <pre>{@code
 * var ch = Oneshot.<String>channel();
 * // producer:                          // consumer task:
 * ch.sender().send("done");             String v = await(ch.receiver());
 * }</pre>
 *
 * <h2>Protocol</h2>
 * <ul>
 *   <li>{@link Sender#send} delivers the value and wakes the receiver; it returns {@code false} (and the value
 *       is not delivered) if the receiver was already closed. It may be called once: send or close, not both.</li>
 *   <li>{@link Sender#close()} without sending makes the receiver fail with {@link ChannelClosedException}.</li>
 *   <li>{@link Receiver} is a {@code Future<T>}: {@code Ready(value)} once sent. Its release hook
 *       ({@link Receiver#cancel()}) closes it, so a sender can tell nobody is listening ({@link Sender#isClosed()},
 *       {@link Sender#closed()}).</li>
 *   <li>Values may not be {@code null}: {@code send(null)} throws {@link NullPointerException}, so that
 *       {@link Receiver#tryReceive()} can use {@code null} for "not yet". Send a sentinel or an {@code Optional}.</li>
 * </ul>
 * Each side is used by one thread at a time (it may move between threads with a happens-before edge, as a
 * future does); the two sides may run on different threads concurrently. The state machine, memory ordering
 * and field ownership are documented in {@code OneshotCell}. Creating a channel allocates four small objects
 * (the state, two views, the pair); sending and receiving allocate nothing beyond the {@code Ready} result.
 */
public final class Oneshot {

    private Oneshot() {
    }

    /** A new channel: one sender, one receiver. */
    public static <T> Channel<T> channel() {
        OneshotCell<T> cell = new OneshotCell<>();
        return new Channel<>(new Sender<>(cell), new Receiver<>(cell));
    }

    /**
     * Both ends of a oneshot channel.
     *
     * @param sender   the sending end
     * @param receiver the receiving end, a future of the value
     */
    public record Channel<T>(Sender<T> sender, Receiver<T> receiver) {
    }

    /** The sending end. Used by one thread at a time. */
    public static final class Sender<T> {
        private final OneshotCell<T> cell;

        private Sender(OneshotCell<T> cell) {
            this.cell = cell;
        }

        /**
         * Sends {@code value} and wakes the receiver.
         *
         * @return {@code true} if the value is delivered; {@code false} if the receiver was closed first (the
         *         value is then not delivered; the caller still holds it)
         * @throws NullPointerException  if {@code value} is null
         * @throws IllegalStateException if {@code send} or {@link #close()} was already called
         */
        public boolean send(T value) {
            return cell.send(value);
        }

        /**
         * Closes the sender without sending: the receiver fails with {@link ChannelClosedException}. Does nothing
         * if a value was already sent or the sender already closed.
         */
        public void close() {
            cell.closeSender();
        }

        /** Whether the receiver was closed or cancelled: a value sent now would not be delivered. */
        public boolean isClosed() {
            return cell.isReceiverClosed();
        }

        /**
         * A future that completes when the receiver is closed or cancelled, for a producer that wants to stop
         * computing a value nobody will read. At most one such future may wait at a time (the sender has one
         * waker slot, like Tokio's {@code Sender::closed}, which borrows the sender mutably).
         */
        public Future<Void> closed() {
            return new ClosedFuture(cell);
        }

        @Override
        public String toString() {
            return "Oneshot.Sender[receiverClosed=" + isClosed() + "]";
        }
    }

    /**
     * The receiving end: a future of the value. Used by one thread at a time. Polling it after it returned
     * {@code Ready} or threw fails with {@link IllegalStateException}.
     */
    public static final class Receiver<T> implements Future<T> {
        private final OneshotCell<T> cell;

        private Receiver(OneshotCell<T> cell) {
            this.cell = cell;
        }

        /**
         * {@code Ready(value)} once sent; otherwise registers the task's waker and returns {@code Pending}.
         * Re-polling with a waker that {@linkplain dev.spindle.Waker#willWake wakes the same task} does not
         * register again.
         *
         * @throws ChannelClosedException if the sender was closed without sending, or this receiver was closed
         *                                before a value arrived
         */
        @Override
        public Poll<T> poll(Context cx) {
            Poll<T> p = cell.pollReceive(cx);
            if (p.isReady()) {
                cx.markProgress(); // the value arrived
            } else {
                cx.waitingOn(this);
            }
            return p;
        }

        /**
         * The value if it has been sent, else {@code null} (nothing yet). Does not register a waker.
         *
         * @throws ChannelClosedException if no value can arrive any more
         * @throws IllegalStateException  if the value was already received
         */
        public T tryReceive() {
            return cell.tryReceive();
        }

        /**
         * Closes the receiver: later sends return {@code false}, and the sender's {@link Sender#closed()} future
         * completes. A value sent before the close can still be taken with {@link #tryReceive()}. Idempotent.
         */
        public void close() {
            cell.closeReceiver();
        }

        /** The release hook: the same as {@link #close()}. */
        @Override
        public void cancel() {
            cell.closeReceiver();
        }

        @Override
        public String toString() {
            return "Oneshot.Receiver";
        }
    }

    /** {@link Sender#closed()}: Ready once the receiver closed. */
    private static final class ClosedFuture implements Future<Void> {
        private final OneshotCell<?> cell;
        private boolean done;
        private boolean registered;

        ClosedFuture(OneshotCell<?> cell) {
            this.cell = cell;
        }

        @Override
        public Poll<Void> poll(Context cx) {
            if (done) {
                throw new IllegalStateException(
                        "Oneshot.Sender.closed() future polled after it completed; it must not be polled again");
            }
            Poll<Void> p = cell.pollReceiverClosed(cx);
            if (p.isReady()) {
                cx.markProgress(); // the receiver closed
            } else {
                cx.waitingOn(this);
            }
            done = p.isReady();
            registered = !done;
            return p;
        }

        /** Withdraws the waker if this future registered one; a never-polled future holds nothing. */
        @Override
        public void cancel() {
            if (registered) {
                cell.cancelReceiverClosed();
            }
        }
    }
}
