package dev.spindle.perf.servers.kit;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.RuntimeClosedException;
import dev.spindle.SpindleRuntime;
import dev.spindle.net.TcpListener;
import dev.spindle.net.TcpStream;
import dev.spindle.time.Sleep;
import dev.spindle.time.Time;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Function;

/**
 * The accept loop shared by the servers: accepts connections until stopped and spawns one task per
 * connection, made by {@code connectionTask}.
 *
 * <h2>Stopping</h2>
 * {@link #stop()} (any thread) sets {@code stopped}, then closes the listener; closing wakes the task waiting
 * in accept, whose next {@code pollAccept} fails with "listener closed"; the loop sees {@code stopped} and
 * completes normally. {@link #cancel()} (the runtime closing) stops the same way, so the listening socket
 * never outlives the runtime.
 *
 * <h2>Errors</h2>
 * Running out of descriptors is handled inside {@link TcpListener} (it backs off). Any other accept failure
 * is logged and retried after {@link #ACCEPT_ERROR_BACKOFF}: a server must not die because one handshake
 * failed, and retrying at once could spin if the error persists.
 */
final class Acceptor implements Future<Void> {
    private static final System.Logger LOG = System.getLogger(Acceptor.class.getPackageName());
    /** Long enough that a persistent failure costs no CPU to speak of, short enough to go unnoticed if transient. */
    private static final Duration ACCEPT_ERROR_BACKOFF = Duration.ofMillis(100);

    private final SpindleRuntime runtime;
    private final TcpListener listener;
    private final String serverName;
    private final Function<TcpStream, Future<Void>> connectionTask;
    /** Written by {@link #stop()} before it closes the listener; read after accept fails (volatile, pairs with that write). */
    private volatile boolean stopped;
    /** Owned by the task polling this future. */
    private Sleep errorBackoff;
    private boolean done;

    Acceptor(SpindleRuntime runtime, TcpListener listener, String serverName,
             Function<TcpStream, Future<Void>> connectionTask) {
        this.runtime = runtime;
        this.listener = listener;
        this.serverName = serverName;
        this.connectionTask = connectionTask;
    }

    @Override
    public Poll<Void> poll(Context cx) {
        if (done) {
            throw new IllegalStateException("the accept loop of " + serverName + " was polled after it completed");
        }
        for (;;) {
            if (errorBackoff != null) {
                if (errorBackoff.poll(cx).isPending()) {
                    return Poll.pending();
                }
                errorBackoff = null;
            }
            Poll<TcpStream> accepted;
            try {
                accepted = listener.pollAccept(cx);
            } catch (IOException e) {
                if (stopped) {
                    done = true;
                    return Poll.readyNull();
                }
                LOG.log(System.Logger.Level.WARNING, () -> serverName + ": accept failed (" + e.getMessage()
                        + "); retrying in " + ACCEPT_ERROR_BACKOFF.toMillis() + " ms", e);
                errorBackoff = Time.sleep(ACCEPT_ERROR_BACKOFF);
                continue;
            }
            if (accepted.isPending()) {
                return Poll.pending();
            }
            if (!serve(accepted.value())) {
                done = true;
                return Poll.readyNull();
            }
        }
    }

    /** Spawns the connection's task; false if the runtime is shutting down (the connection is closed then). */
    private boolean serve(TcpStream stream) {
        try {
            // The listener already sets it on accepted sockets; set here too because request/response latency
            // of these servers depends on it, not on a default that could change.
            stream.setNoDelay(true);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> serverName + ": connection lost right after accept: " + e.getMessage());
            Connections.closeQuietly(stream);
            return true;
        }
        try {
            runtime.spawn(connectionTask.apply(stream));
            return true;
        } catch (RuntimeClosedException e) {
            Connections.closeQuietly(stream);
            stop();
            return false;
        }
    }

    /** Stops accepting and closes the listener; idempotent, any thread. Live connections are not touched. */
    void stop() {
        stopped = true; // volatile write, read by poll once the close below wakes it
        try {
            listener.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, () -> serverName + ": closing the listener failed: " + e.getMessage());
        }
    }

    @Override
    public void cancel() {
        if (errorBackoff != null) {
            errorBackoff.cancel();
            errorBackoff = null;
        }
        stop();
    }
}
