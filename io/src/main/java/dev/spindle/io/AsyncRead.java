package dev.spindle.io;

import dev.spindle.Context;
import dev.spindle.Poll;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A source of bytes read without blocking.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@code pollRead} reads into {@code dst} (from its position, up to its limit) and returns
 *       {@code Ready(n)}: {@code n > 0} bytes read, {@code 0} only if {@code dst} has no room, or {@code -1} at
 *       end of stream (and again on every later call).</li>
 *   <li>It returns {@code Pending} only after registering {@code cx.waker()} to be woken when bytes (or EOF, or
 *       an error) may be there. Never Pending without a registered waker.</li>
 *   <li>Unlike a future, a reader may return {@code Ready} again and again while data is there; the caller
 *       keeps polling until it gets {@code Pending}. Each ready read spends one unit of the task's cooperative
 *       budget; when it is spent the reader yields (Pending, task already woken).</li>
 *   <li>Errors (reset, closed) are thrown as {@link IOException}s with a message saying what happened.</li>
 * </ul>
 */
public interface AsyncRead {

    /** See the class contract. */
    Poll<Integer> pollRead(Context cx, ByteBuffer dst) throws IOException;
}
