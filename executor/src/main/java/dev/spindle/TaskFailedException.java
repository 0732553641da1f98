package dev.spindle;

/**
 * A task's future threw. {@link #getCause()} is the original exception, unwrapped.
 */
public final class TaskFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TaskFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
