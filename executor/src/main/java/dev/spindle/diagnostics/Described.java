package dev.spindle.diagnostics;

import java.util.List;

/**
 * Implemented by a future, stream or other object that wraps or drives others, so that diagnostics show a task's
 * <em>type chain</em>: {@code DuplexCopy<LeakyTlsReader>} rather than just {@code DuplexCopy}. Spindle's combinators,
 * streams and TLS implement it; for any other object the chain is its class's simple name.
 *
 * <p>{@link #children()} is called from diagnostic threads (the watchdog, {@code dump()}) while the object may be in
 * use on a worker: return the current children as read from plain fields, without locking, blocking or
 * allocating more than the list; a stale answer is fine, a throw is ignored.
 */
public interface Described {

    /** The objects this one wraps or drives, in a stable order (null entries are skipped). */
    List<?> children();
}
