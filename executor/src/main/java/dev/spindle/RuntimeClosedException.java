package dev.spindle;

/**
 * Work was submitted to a runtime that is shutting down or closed. Create a new runtime, or submit the
 * work before calling {@code close()}/{@code shutdown(..)}.
 */
public final class RuntimeClosedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public RuntimeClosedException(String message) {
        super(message);
    }
}
