package dev.spindle.perf.servers.http;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.io.AsyncRead;
import dev.spindle.io.AsyncWrite;
import dev.spindle.perf.servers.http.HttpRequestParser.Method;
import dev.spindle.perf.servers.http.HttpRequestParser.Outcome;
import dev.spindle.perf.servers.http.HttpResponses.Connection;
import dev.spindle.perf.servers.http.HttpResponses.Status;
import dev.spindle.perf.servers.kit.BufferPool;
import dev.spindle.perf.servers.kit.Connections;
import dev.spindle.time.Sleep;
import dev.spindle.time.Time;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * One HTTP/1.1 connection of {@code dev.spindle.examples.net.HelloHttpServer} (and of its TLS twin): requests are
 * read, parsed and answered in order until either side ends the connection.
 *
 * <h2>Phases</h2>
 * <pre>
 *   REQUEST_HEAD ──complete head──▶ (response queued) ──▶ ECHO_BODY | DISCARD_BODY
 *   ECHO_BODY     request body bytes are written back as they arrive (POST /echo)
 *   DISCARD_BODY  the request body of any other request is read and dropped;
 *                 then PATTERN_BODY if the response is GET /bytes/n, else the exchange is over
 *   PATTERN_BODY  the response body is written from the shared pattern table
 *   exchange over ──keep-alive──▶ REQUEST_HEAD
 *                 ──close──────▶ CLOSING
 *   REQUEST_HEAD ──bad head──▶ error response queued ──▶ CLOSING
 *   CLOSING       queued responses are written, then the write side is shut down (the client reads EOF);
 *                 if the client has not closed yet ──▶ LINGERING, else DONE
 *   LINGERING     whatever the client still sends is read and dropped until it closes, for at most
 *                 {@link #LINGER_TIME} and {@link #LINGER_MAX_BYTES}: closing a socket with unread bytes makes
 *                 the kernel send a reset, which can destroy the response before the client has read it
 *   DONE          the socket is closed and the buffers are returned
 * </pre>
 *
 * <h2>Buffers</h2>
 * {@code in} holds bytes read and not yet consumed ({@code [position, limit)}); {@code out} holds queued
 * response bytes not yet written ({@code [0, position)}). Both come from {@link #BUFFERS} and go
 * back when they are empty and the connection would wait, so an idle keep-alive connection holds no buffer.
 *
 * <h2>Pipelining and batching</h2>
 * Every complete request in {@code in} is answered before anything is written: responses are queued in
 * {@code out}, which is written when a request needs more bytes, when {@code out} lacks room for another
 * response, or before a streamed body. A batch of pipelined requests thus gets one write. Small bodies
 * ({@link #INLINE_BODY_LIMIT}) go into {@code out} with their head: an echo whose body is already buffered, a
 * short pattern.
 *
 * <h2>Waiting</h2>
 * The connection waits for one thing at a time: readable bytes while it needs input, room to write while
 * output is pending (it does not read meanwhile: a client that does not read its responses gets no more
 * of them read, and TCP flow control pushes back on it), and in LINGERING also a timer. Each wait is a
 * {@code Pending} from the socket or the timer, which has registered the task's waker. Queued responses are
 * always written before waiting for input, because the client may be waiting for them (or for
 * {@code 100 Continue}) before it sends more.
 *
 * <p>I/O errors, and the client closing in the middle of a request, end the connection quietly (DEBUG
 * log): for a server they are ordinary. The stream is generic so that tests can drive this state machine
 * with a scripted stream. All fields are owned by the task polling this future.
 *
 * @param <S> the connection's byte stream ({@link dev.spindle.net.TcpStream} in the server)
 */
public final class HttpConnection<S extends AsyncRead & AsyncWrite> implements Future<Void> {
    private static final System.Logger LOG = System.getLogger(HttpConnection.class.getPackageName());

    /**
     * 16 KiB buffers, for reading requests and for queueing responses: twice the largest request head, so a
     * head that fits the limit always fits after what is buffered before it has been moved to the front.
     * Held only while bytes are in flight; up to 64 cached per worker (1 MiB).
     */
    static final BufferPool BUFFERS = new BufferPool(2 * HttpRequestParser.MAX_HEAD_BYTES, 64);
    /** Fits with its head in one write; larger bodies are streamed. */
    private static final int INLINE_BODY_LIMIT = 4 * 1024;
    /** Enough for a client on the same continent to read the response and close after it. */
    private static final Duration LINGER_TIME = Duration.ofSeconds(2);
    /** A client that keeps sending is not waited for beyond this. */
    private static final long LINGER_MAX_BYTES = 1 << 20;

    private enum Phase { REQUEST_HEAD, ECHO_BODY, DISCARD_BODY, PATTERN_BODY, CLOSING, LINGERING, DONE }

    private final S stream;
    private final AutoCloseable connection;
    private final HttpRequestParser parser = new HttpRequestParser();
    private Phase phase = Phase.REQUEST_HEAD;
    private ByteBuffer in;
    private ByteBuffer out;
    /** The exchange in progress ends the connection (Connection: close, or HTTP/1.0 without keep-alive). */
    private boolean closeAfterExchange;
    /** The client has shut down its side: after the last response there is nothing to wait for. */
    private boolean clientClosed;
    private long requestBodyRemaining;
    private long patternNext;
    private long patternRemaining;
    /** This connection's view of the pattern table; made on the first pattern response. */
    private ByteBuffer patternView;
    private long lingerDeadline;
    private Sleep lingerTimer;
    private long lingerDrained;

    /**
     * @param stream     where requests come from and responses go
     * @param connection closed when the connection ends (the socket; usually the stream itself)
     */
    public HttpConnection(S stream, AutoCloseable connection) {
        this.stream = stream;
        this.connection = connection;
    }

    @Override
    public Poll<Void> poll(Context cx) {
        if (phase == Phase.DONE) {
            throw new IllegalStateException("HTTP connection polled after it completed");
        }
        try {
            for (;;) {
                boolean progressed = switch (phase) {
                    case REQUEST_HEAD -> requestHead(cx);
                    case ECHO_BODY -> echoBody(cx);
                    case DISCARD_BODY -> discardBody(cx);
                    case PATTERN_BODY -> patternBody(cx);
                    case CLOSING -> closing(cx);
                    case LINGERING -> lingering(cx);
                    case DONE -> throw new IllegalStateException("unreachable: DONE returns Ready");
                };
                if (phase == Phase.DONE) {
                    return Poll.readyNull();
                }
                if (!progressed) {
                    return Poll.pending(); // the socket or the timer holds the waker
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "HTTP connection " + connection + " ended: " + e.getMessage());
            finish();
            return Poll.readyNull();
        } catch (RuntimeException e) {
            finish(); // a bug: the task fails with it, but the socket and buffers must not leak
            throw e;
        }
    }

    /** Answers every complete request buffered; reads more when the next one is incomplete. */
    private boolean requestHead(Context cx) throws IOException {
        if (out != null && out.remaining() < HttpResponses.MAX_SMALL_RESPONSE && !flush(cx)) {
            return false;
        }
        Outcome outcome = buffered() == 0 ? Outcome.INCOMPLETE : parser.parse(in);
        switch (outcome) {
            case COMPLETE -> respond();
            case INCOMPLETE -> {
                if (!flush(cx)) {
                    return false;
                }
                Poll<Integer> read = readMore(cx);
                if (read.isPending()) {
                    return false;
                }
                if (read.value() < 0) {
                    clientClosed = true;
                    if (buffered() > 0) {
                        LOG.log(System.Logger.Level.DEBUG, () -> "HTTP client " + connection
                                + " closed in the middle of a request head");
                    }
                    phase = Phase.CLOSING;
                }
            }
            case BAD_REQUEST -> reject(Status.BAD_REQUEST, parser.problem());
            case HEAD_TOO_LARGE -> reject(Status.HEADERS_TOO_LARGE,
                    "the request line and header fields exceed " + HttpRequestParser.MAX_HEAD_BYTES + " bytes");
            case VERSION_NOT_SUPPORTED -> reject(Status.VERSION_NOT_SUPPORTED, parser.problem());
        }
        return true;
    }

    /** Queues the response to the request just parsed and picks the phase that handles its body. */
    private void respond() {
        HttpRequestParser request = parser;
        HttpRoute route = HttpRoute.match(in, request.pathStart(), request.pathEnd());
        long count = route == HttpRoute.BYTES ? HttpRoute.count(in, request.pathStart(), request.pathEnd()) : 0;
        in.position(in.position() + request.headLength());
        switch (request.transferCoding()) {
            case NONE -> { }
            case CHUNKED -> {
                // Without decoding the chunks there is no telling where this request ends, so the connection
                // cannot go on: refuse clearly, and close.
                reject(Status.LENGTH_REQUIRED, "chunked request bodies are not supported; send Content-Length");
                return;
            }
            case OTHER -> {
                reject(Status.NOT_IMPLEMENTED, "request bodies must be sent with Content-Length, not a transfer coding");
                return;
            }
        }
        closeAfterExchange = !request.keepAlive();
        Connection connection = closeAfterExchange ? Connection.CLOSE
                : request.minorVersion() == 0 ? Connection.KEEP_ALIVE : Connection.DEFAULT;
        requestBodyRemaining = Math.max(0, request.contentLength());
        patternNext = 0;
        patternRemaining = 0;
        ByteBuffer o = out();
        if (request.expectContinue() && requestBodyRemaining > 0 && request.minorVersion() == 1) {
            HttpResponses.putContinue(o);
        }
        Method method = request.method();
        boolean body = method != Method.HEAD;
        phase = Phase.DISCARD_BODY;
        if (!route.allows(method)) {
            if (route == HttpRoute.NOT_FOUND) {
                HttpResponses.putError(o, Status.NOT_FOUND, null, connection, null, body);
            } else {
                HttpResponses.putError(o, Status.METHOD_NOT_ALLOWED, null, connection, route.allow(), body);
            }
            return;
        }
        switch (route) {
            case HELLO -> HttpResponses.putHello(o, connection, body);
            case ECHO -> {
                HttpResponses.putOctetStreamHead(o, requestBodyRemaining, connection);
                if (requestBodyRemaining <= INLINE_BODY_LIMIT && buffered() >= requestBodyRemaining
                        && o.remaining() >= requestBodyRemaining) {
                    int n = (int) requestBodyRemaining; // all there and small: it joins the batch
                    o.put(o.position(), in, in.position(), n).position(o.position() + n);
                    in.position(in.position() + n);
                    requestBodyRemaining = 0;
                } else {
                    phase = Phase.ECHO_BODY;
                }
            }
            case BYTES -> {
                if (count > HttpRoute.MAX_BYTES) {
                    HttpResponses.putError(o, Status.BAD_REQUEST, "/bytes/{n} serves at most " + HttpRoute.MAX_BYTES
                            + " bytes", connection, null, body);
                    return;
                }
                HttpResponses.putOctetStreamHead(o, count, connection);
                if (!body) {
                    return;
                }
                if (count <= INLINE_BODY_LIMIT && o.remaining() >= count) {
                    BytePattern.copy(o, 0, (int) count);
                } else {
                    patternRemaining = count;
                }
            }
            case NOT_FOUND -> throw new IllegalStateException("unreachable: NOT_FOUND allows no method");
        }
    }

    /** Queues an error response and closes the connection after it: what follows cannot be trusted. */
    private void reject(Status status, String detail) {
        LOG.log(System.Logger.Level.DEBUG, () -> "HTTP client " + connection + ": " + status + " (" + detail + ")");
        HttpResponses.putError(out(), status, detail, Connection.CLOSE, null, true);
        phase = Phase.CLOSING;
    }

    private boolean echoBody(Context cx) throws IOException {
        if (!flush(cx)) {
            return false; // the head goes first (and a 100 Continue the client may be waiting for)
        }
        while (requestBodyRemaining > 0) {
            if (buffered() == 0) {
                if (!readMoreBody(cx)) {
                    return false;
                }
                continue;
            }
            // Written straight from the read buffer: one fixed buffer, however long the body.
            int n = (int) Math.min(requestBodyRemaining, in.remaining());
            int limit = in.limit();
            in.limit(in.position() + n);
            Poll<Integer> written;
            try {
                written = stream.pollWrite(cx, in);
            } finally {
                in.limit(limit);
            }
            if (written.isPending()) {
                return false;
            }
            requestBodyRemaining -= written.value();
        }
        exchangeDone();
        return true;
    }

    private boolean discardBody(Context cx) throws IOException {
        while (requestBodyRemaining > 0) {
            if (buffered() == 0) {
                if (!flush(cx)) {
                    return false; // the client may wait for the response (or 100 Continue) before sending on
                }
                if (!readMoreBody(cx)) {
                    return false;
                }
                continue;
            }
            int n = (int) Math.min(requestBodyRemaining, in.remaining());
            in.position(in.position() + n);
            requestBodyRemaining -= n;
        }
        if (patternRemaining > 0) {
            phase = Phase.PATTERN_BODY;
        } else {
            exchangeDone();
        }
        return true;
    }

    /**
     * Reads more of the request body into {@code in}; false while the read is pending.
     *
     * @throws EOFException if the client closed before sending the whole body
     */
    private boolean readMoreBody(Context cx) throws IOException {
        Poll<Integer> read = readMore(cx);
        if (read.isPending()) {
            return false;
        }
        if (read.value() < 0) {
            throw new EOFException("the client closed with " + requestBodyRemaining + " body bytes unsent");
        }
        return true;
    }

    private boolean patternBody(Context cx) throws IOException {
        if (!flush(cx)) {
            return false;
        }
        if (patternView == null) {
            patternView = BytePattern.view();
        }
        while (patternRemaining > 0) {
            int from = BytePattern.offset(patternNext);
            int n = (int) Math.min(patternRemaining, BytePattern.MAX_CHUNK);
            patternView.limit(from + n).position(from);
            Poll<Integer> written = stream.pollWrite(cx, patternView);
            if (written.isPending()) {
                return false;
            }
            patternNext += written.value();
            patternRemaining -= written.value();
        }
        exchangeDone();
        return true;
    }

    private void exchangeDone() {
        phase = closeAfterExchange ? Phase.CLOSING : Phase.REQUEST_HEAD;
    }

    private boolean closing(Context cx) throws IOException {
        if (!flush(cx)) {
            return false;
        }
        if (stream.pollShutdown(cx).isPending()) {
            return false;
        }
        if (clientClosed) {
            finish();
        } else {
            lingerDeadline = System.nanoTime() + LINGER_TIME.toNanos();
            phase = Phase.LINGERING;
        }
        return true;
    }

    private boolean lingering(Context cx) throws IOException {
        ByteBuffer scratch = in != null ? in : BUFFERS.take(); // what is left of `in` is dropped too
        in = null;
        try {
            for (;;) {
                scratch.clear();
                Poll<Integer> read = stream.pollRead(cx, scratch);
                if (read.isPending()) {
                    break;
                }
                if (read.value() < 0 || (lingerDrained += read.value()) > LINGER_MAX_BYTES) {
                    finish();
                    return true;
                }
            }
        } finally {
            BUFFERS.give(scratch);
        }
        if (lingerTimer == null) {
            lingerTimer = Time.sleepUntil(lingerDeadline); // only now: a client that closed at once needs no timer
        }
        if (lingerTimer.poll(cx).isReady()) {
            lingerTimer = null;
            finish();
            return true;
        }
        return false; // the read and the timer both hold the waker
    }

    /** Writes everything queued in {@code out}; true once it is all written (and the buffer returned). */
    private boolean flush(Context cx) throws IOException {
        if (out == null) {
            return true;
        }
        out.flip();
        try {
            while (out.hasRemaining()) {
                if (stream.pollWrite(cx, out).isPending()) {
                    return false;
                }
            }
        } finally {
            out.compact(); // unwritten bytes, if any, move to the front; queueing goes on after them
        }
        BUFFERS.give(out);
        out = null;
        return true;
    }

    /**
     * Reads more bytes after the unconsumed ones in {@code in}. When the read would block and nothing is
     * buffered, the buffer goes back to the pool: the connection is idle.
     */
    private Poll<Integer> readMore(Context cx) throws IOException {
        if (in == null) {
            in = BUFFERS.take();
        } else {
            in.compact();
        }
        Poll<Integer> read;
        try {
            read = stream.pollRead(cx, in);
        } finally {
            in.flip();
        }
        if (!in.hasRemaining()) {
            BUFFERS.give(in);
            in = null;
        }
        return read;
    }

    /** Bytes read and not yet consumed. */
    private int buffered() {
        return in == null ? 0 : in.remaining();
    }

    /** The output buffer, taken from the pool if the connection has none. */
    private ByteBuffer out() {
        if (out == null) {
            out = BUFFERS.take();
        }
        return out;
    }

    /** Closes the socket and returns everything held; the connection is DONE. */
    private void finish() {
        phase = Phase.DONE;
        if (lingerTimer != null) {
            lingerTimer.cancel();
            lingerTimer = null;
        }
        if (in != null) {
            BUFFERS.give(in);
            in = null;
        }
        if (out != null) {
            BUFFERS.give(out);
            out = null;
        }
        Connections.closeQuietly(connection);
    }

    /** The runtime is closing (or the task was aborted). */
    @Override
    public void cancel() {
        finish();
    }
}
