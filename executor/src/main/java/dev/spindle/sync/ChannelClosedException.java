package dev.spindle.sync;

/**
 * The other side of a channel is gone, so the operation can never succeed: a {@link Oneshot.Receiver} whose
 * sender was closed without sending, or a {@link Mpsc.Sender} send whose receiver was closed.
 *
 * <p>Unchecked, because it is thrown from {@link dev.spindle.Future#poll poll}: the future that throws it has
 * failed and must not be polled again. The message says which side closed and what to do about it.
 */
public final class ChannelClosedException extends RuntimeException {

    /** An exception with a message that says which side closed. */
    public ChannelClosedException(String message) {
        super(message);
    }
}
