package dev.spindle.sync;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.diagnostics.LeakDetector;
import dev.spindle.diagnostics.LeakTracker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Multi-producer, single-consumer channels, like {@code tokio::sync::mpsc}.
 *
 * <pre>{@code
 * var ch = Mpsc.<Request>bounded(64);
 * Mpsc.Sender<Request> tx2 = ch.sender().newSender();   // one more producer
 * // producers:  await(tx.send(req));    or   tx.trySend(req)  (OK / FULL / CLOSED)
 * // consumer:   for (Request r; (r = await(rx.recv())) != null; ) handle(r);
 * }</pre>
 *
 * <h2>Protocol</h2>
 * <ul>
 *   <li><b>Bounded</b> channels hold at most {@code capacity} messages. {@link Sender#send} waits for a free
 *       slot (backpressure); waiting sends get slots strictly in the order they started waiting. A cancelled
 *       send gives up its place, and a slot it had been granted goes to the next waiter.
 *       <b>Unbounded</b> channels never wait.</li>
 *   <li><b>Closing.</b> Each sender is closed once ({@link Sender#close()}, idempotent); when the last one is,
 *       the receiver drains the buffered messages and then {@link Receiver#recv()} yields {@code null}.
 *       {@link Receiver#close()} makes sends fail ({@link ChannelClosedException}, {@link TrySendResult#CLOSED})
 *       and fails waiting sends; messages already sent are still received, then {@code null} (as in Tokio).</li>
 *   <li><b>No null messages.</b> {@code null} is the end-of-stream marker of {@code recv}, so sending
 *       {@code null} throws {@link NullPointerException}.</li>
 *   <li><b>Nothing is lost.</b> A send that reported success is received, unless the receiver is abandoned.</li>
 *   <li><b>Cooperative budget.</b> {@code recv}/{@code pollRecv} take one unit of the task's budget per message;
 *       when it is spent they yield ({@code Pending}, task already woken) even if a message is ready.</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * A {@link Sender} may be shared by any number of threads. The {@link Receiver} is used by one thread at a
 * time (it may move between threads with a happens-before edge, as a future does), except {@code close()},
 * {@code len()} and {@code isClosed()}, which any thread may call.
 *
 * <h2>Cost</h2>
 * {@link Sender#trySend} and {@link Receiver#pollRecv} allocate nothing beyond the queue's own chunks
 * (unbounded: one array of 128 slots per 128 messages; bounded: none) and the {@code Ready}
 * result. {@link Sender#send} and {@link Receiver#recv()} allocate one small future per call, because a future
 * must do nothing until it is polled (so {@code send} cannot act eagerly and hand back a shared ready future).
 * The state machine, memory ordering and field ownership are documented in {@code MpscChan}.
 */
public final class Mpsc {

    private Mpsc() {
    }

    /**
     * A channel that buffers at most {@code capacity} messages.
     *
     * @throws IllegalArgumentException unless {@code 1 <= capacity <= 2^28}
     */
    public static <T> Channel<T> bounded(int capacity) {
        MpscChan<T> chan = MpscChan.bounded(capacity);
        return new Channel<>(new Sender<>(chan), new Receiver<>(chan));
    }

    /** A channel without a bound: sends never wait. Memory grows with unreceived messages. */
    public static <T> Channel<T> unbounded() {
        MpscChan<T> chan = MpscChan.unbounded();
        return new Channel<>(new Sender<>(chan), new Receiver<>(chan));
    }

    /**
     * Both ends of a channel.
     *
     * @param sender   the first sender; more with {@link Sender#newSender()}
     * @param receiver the only receiver
     */
    public record Channel<T>(Sender<T> sender, Receiver<T> receiver) {
    }

    /**
     * A sending end. Thread-safe. Each sender must be {@linkplain #close() closed} once it is no longer needed:
     * the receiver sees the end of the stream only when every sender is closed.
     */
    public static final class Sender<T> {
        private static final VarHandle CLOSED;

        static {
            try {
                CLOSED = MethodHandles.lookup().findVarHandle(Sender.class, "closed", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final MpscChan<T> chan;
        /** Reports this sender if it is garbage-collected unclosed: its receiver would wait forever. */
        private final LeakTracker leak;
        @SuppressWarnings("unused")
        private boolean closed;

        private Sender(MpscChan<T> chan) {
            this.chan = chan;
            this.leak = LeakDetector.track(this, Sender::describeForLeak);
        }

        private static String describeForLeak(Sender<?> s) {
            return "Mpsc.Sender (" + (s.chan.bounded ? "bounded " + s.chan.capacity : "unbounded")
                    + "; its receiver waits for every sender's close)";
        }

        private void ensureOpen(String op) {
            // Volatile load: pairs with the getAndSet in close().
            if ((boolean) CLOSED.getVolatile(this)) {
                throw new IllegalStateException("Mpsc.Sender." + op + " on a sender that was closed; "
                        + "keep the sender open until its last send, or use another sender");
            }
        }

        /**
         * A future that puts {@code msg} into the channel: {@code Ready} once it is in, waiting for a free slot
         * if a bounded channel is full. Nothing happens until it is polled. Cancelling it while it waits gives
         * up its place in line.
         *
         * <p>The future fails with {@link ChannelClosedException} if the receiver is closed (or every sender
         * was closed before it was first polled); the message is then not delivered.
         *
         * @throws NullPointerException  if {@code msg} is null
         * @throws IllegalStateException if this sender was closed
         */
        public Future<Void> send(T msg) {
            MpscChan.requireMessage(msg);
            ensureOpen("send");
            return new MpscSendFuture<>(chan, msg);
        }

        /**
         * Sends {@code msg} if that is possible right now, without allocating.
         *
         * @return {@link TrySendResult#OK} (sent), {@link TrySendResult#FULL} (bounded channel full) or
         *         {@link TrySendResult#CLOSED} (receiver closed); on FULL or CLOSED the message was not sent
         * @throws NullPointerException  if {@code msg} is null
         * @throws IllegalStateException if this sender was closed
         */
        public TrySendResult trySend(T msg) {
            MpscChan.requireMessage(msg);
            ensureOpen("trySend");
            return chan.trySend(msg);
        }

        /**
         * A new sender for the same channel; it must be closed on its own.
         *
         * @throws IllegalStateException if this sender was closed
         */
        public Sender<T> newSender() {
            ensureOpen("newSender");
            chan.addSender();
            return new Sender<>(chan);
        }

        /** The same as {@link #newSender()}. */
        @Override
        public Sender<T> clone() {
            return newSender();
        }

        /**
         * Closes this sender. When every sender is closed, the receiver gets the buffered messages and then
         * {@code null}. Idempotent; send futures created before the close still run.
         */
        public void close() {
            // Volatile RMW: exactly one close call drops the sender, even when called from several threads.
            if (!(boolean) CLOSED.getAndSet(this, true)) {
                chan.dropSender();
            }
            leak.close(this);
        }

        /** Whether the receiver was closed: sends will fail. */
        public boolean isClosed() {
            return chan.isReceiverClosed();
        }

        /** Free slots right now (bounded; approximate under concurrency), or {@link Integer#MAX_VALUE}. */
        public int capacity() {
            return chan.freeSlots();
        }

        /** The bound of the channel, or {@link Integer#MAX_VALUE} if it is unbounded. */
        public int maxCapacity() {
            return chan.bounded ? chan.capacity : Integer.MAX_VALUE;
        }

        @Override
        public String toString() {
            return "Mpsc.Sender[" + (chan.bounded ? "bounded " + chan.capacity : "unbounded")
                    + ", len=" + chan.len() + (chan.isReceiverClosed() ? ", receiver closed]" : "]");
        }
    }

    /** The receiving end. One thread at a time, except {@code close}, {@code len} and {@code isClosed}. */
    public static final class Receiver<T> {
        private final MpscChan<T> chan;

        private Receiver(MpscChan<T> chan) {
            this.chan = chan;
        }

        /**
         * A future of the next message, or of {@code null} once the channel is closed and drained. Its release
         * hook withdraws the receiver's waker; no message is lost by cancelling it.
         */
        public Future<T> recv() {
            return new RecvFuture<>(chan);
        }

        /**
         * The next message ({@code Ready(msg)}), the end of the stream ({@code Ready(null)}, again on every later
         * call), or {@code Pending} with the task's waker registered. Allocates no future; meant for hand-written
         * futures and streams. Takes one unit of the cooperative budget per message and yields when it is spent.
         */
        public Poll<T> pollRecv(Context cx) {
            return chan.pollRecv(cx);
        }

        /**
         * The next message if one is buffered, else {@code null} (empty now, or closed and drained; tell them
         * apart with {@link #isClosed()} and {@link #len()}, or use {@link #recv()}). Registers no waker.
         */
        public T tryRecv() {
            return chan.tryRecv();
        }

        /**
         * Closes the channel for sending: later sends fail, waiting sends fail now. Messages already sent are
         * still received, then {@code recv} yields {@code null}. Idempotent; any thread.
         */
        public void close() {
            chan.closeReceiver();
        }

        /** Whether the receiver or every sender was closed (messages may still be buffered). */
        public boolean isClosed() {
            return chan.isClosed();
        }

        /** Messages sent (or being sent) and not yet received; approximate under concurrency. */
        public int len() {
            return chan.len();
        }

        @Override
        public String toString() {
            return "Mpsc.Receiver[" + (chan.bounded ? "bounded " + chan.capacity : "unbounded")
                    + ", len=" + chan.len() + (chan.isClosed() ? ", closed]" : "]");
        }
    }

    /** {@link Receiver#recv()}. */
    private static final class RecvFuture<T> implements Future<T> {
        private final MpscChan<T> chan;
        private boolean done;

        RecvFuture(MpscChan<T> chan) {
            this.chan = chan;
        }

        @Override
        public Poll<T> poll(Context cx) {
            if (done) {
                throw new IllegalStateException(
                        "Mpsc.Receiver.recv() future polled after it completed; call recv() again for the next message");
            }
            Poll<T> p = chan.pollRecv(cx);
            done = p.isReady();
            return p;
        }

        /** The release hook: the task no longer waits, so forget its waker (no message is taken or lost). */
        @Override
        public void cancel() {
            chan.deregisterReceiver();
        }
    }
}
