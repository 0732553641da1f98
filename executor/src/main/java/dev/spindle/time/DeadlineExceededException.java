package dev.spindle.time;

import java.time.Duration;

/** A {@link Time#timeout} expired before its future completed; the future was cancelled. */
public final class DeadlineExceededException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DeadlineExceededException(Duration limit) {
        super("deadline of " + limit + " exceeded; the future was cancelled");
    }
}
