package dev.spindle.sync;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.Waker;
import dev.spindle.internal.util.IntrusiveList;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The future of {@link Mpsc.Sender#send(Object)}; for a bounded channel it is also its own node in the FIFO of
 * senders waiting for a slot (no node allocation).
 *
 * <h2>Status</h2>
 * <pre>
 *  INIT ──poll: slot free──────────────────────────────► push, DONE (Ready)
 *   │  └─poll: closed──────────────────────────────────► DONE (throws ChannelClosedException)
 *   └─poll: full (bounded)──► QUEUED ──receiver frees a slot──► PERMIT ──poll──► push, DONE (Ready)
 *                               │    └─receiver closes───────► CLOSED ──poll──► DONE (throws)
 *                               └─cancel: leave the queue      cancel in PERMIT: pass the permit on
 * </pre>
 * {@code status} moves out of {@code QUEUED} only under the channel's lock, by the receiver side, with a release
 * store that the owner's acquire load pairs with; all other writes are the owner's. {@code waker} and the list
 * links are guarded by the lock while queued. {@code msg} is owner-private.
 *
 * @param <T> the message type
 */
final class MpscSendFuture<T> extends IntrusiveList.Node implements Future<Void> {
    static final int INIT = 0;
    static final int QUEUED = 1;
    static final int PERMIT = 2;
    static final int CLOSED = 3;
    static final int DONE = 4;

    /**
     * {@code status}. Package-private: the channel's receiver side writes it (setRelease, under the lock); the owner
     * reads it with getAcquire, which pairs with that store.
     */
    static final VarHandle STATUS;

    static {
        try {
            STATUS = MethodHandles.lookup().findVarHandle(MpscSendFuture.class, "status", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final MpscChan<T> chan;
    private T msg;
    @SuppressWarnings("unused")
    private int status;
    /** Lock-guarded while queued (see the class comment). */
    Waker waker;

    MpscSendFuture(MpscChan<T> chan, T msg) {
        this.chan = chan;
        this.msg = msg;
    }

    @Override
    public Poll<Void> poll(Context cx) {
        Poll<Void> p = pollInner(cx);
        if (p.isReady()) {
            cx.markProgress(); // the message went in
        } else {
            cx.waitingOn(this);
        }
        return p;
    }

    private Poll<Void> pollInner(Context cx) {
        return switch ((int) STATUS.getAcquire(this)) { // pairs with the receiver side's setRelease under the lock
            case INIT -> pollFirst(cx);
            case QUEUED -> pollQueued(cx);
            case PERMIT -> sendNow();
            case CLOSED -> fail();
            default -> throw new IllegalStateException(
                    "Mpsc send future polled after it completed, failed or was cancelled; call send() again for another message");
        };
    }

    private Poll<Void> pollFirst(Context cx) {
        TrySendResult r = chan.reserve();
        if (r == TrySendResult.FULL) {
            r = chan.reserveOrEnqueue(this, cx.waker());
        }
        return switch (r) {
            case OK -> sendNow();
            case CLOSED -> fail();
            case FULL -> Poll.pending(); // queued with cx.waker(); the receiver wakes it when a slot frees
        };
    }

    private Poll<Void> pollQueued(Context cx) {
        Waker w = cx.waker();
        // Only the owner writes waker, so reading it without the lock is safe.
        int st = waker.willWake(w) ? QUEUED : chan.updateWaker(this, w);
        return switch (st) {
            case QUEUED -> Poll.pending();
            case PERMIT -> sendNow();
            default -> fail();
        };
    }

    private Poll<Void> sendNow() {
        T m = msg;
        msg = null;
        STATUS.setRelease(this, DONE);
        chan.push(m);
        return Poll.readyNull();
    }

    private Poll<Void> fail() {
        msg = null;
        STATUS.setRelease(this, DONE);
        throw MpscChan.closedException(chan.stateWord());
    }

    /** The release hook: gives up a place in the queue, or passes on a permit granted but not used. */
    @Override
    public void cancel() {
        int st = (int) STATUS.getAcquire(this);
        msg = null;
        if (st == QUEUED || st == PERMIT) {
            chan.cancelWaiter(this);
        }
        STATUS.setRelease(this, DONE);
    }

    @Override
    public String toString() {
        return "Mpsc.send[" + switch ((int) STATUS.getAcquire(this)) {
            case INIT -> "INIT";
            case QUEUED -> "QUEUED";
            case PERMIT -> "PERMIT";
            case CLOSED -> "CLOSED";
            default -> "DONE";
        } + "]";
    }
}
