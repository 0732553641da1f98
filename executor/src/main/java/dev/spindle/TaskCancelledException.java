package dev.spindle;

import java.util.concurrent.CancellationException;

/**
 * A task was aborted (by {@link JoinHandle#abort()}, by losing a race, or because its runtime closed)
 * before it completed.
 */
public final class TaskCancelledException extends CancellationException {
    private static final long serialVersionUID = 1L;

    public TaskCancelledException(String message) {
        super(message);
    }
}
