package dev.spindle.sync;

/**
 * The outcome of {@link Mpsc.Sender#trySend(Object)}. Callers {@code switch} over all three.
 */
public enum TrySendResult {
    /** The message is in the channel; the receiver will get it. */
    OK,
    /**
     * A bounded channel has no free slot right now; the message was not sent and is still the caller's.
     * Use {@link Mpsc.Sender#send(Object)} to wait for a slot.
     */
    FULL,
    /**
     * The receiver was closed, or every sender was; the message was not sent and never will be.
     */
    CLOSED
}
