package dev.spindle.tls;

import dev.spindle.Context;
import dev.spindle.Poll;
import dev.spindle.diagnostics.Described;
import dev.spindle.diagnostics.LeakDetector;
import dev.spindle.diagnostics.LeakTracker;
import dev.spindle.io.AsyncRead;
import dev.spindle.io.AsyncWrite;
import dev.spindle.io.Split;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A TLS connection over a Spindle stream: an {@link SSLEngine} driven over any {@code AsyncRead & AsyncWrite}
 * transport ({@code TcpStream} in practice). Made by {@link TlsConnector#connect} and {@link TlsAcceptor#accept},
 * which complete after the handshake.
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li><b>Never {@code Pending} without a registered waker.</b> Every {@code Pending} this stream returns comes
 *       from (a) the transport's {@code Pending}, after the caller's waker was registered for that direction,
 *       (b) a running delegated task, after the caller's waker was registered for its completion (and the
 *       task re-checked afterwards), (c) the cooperative budget, whose exhaustion has already woken the task,
 *       or (d) a writer waiting for the reader to drain plaintext the writer had to buffer (see
 *       "Renegotiation"), after registering for that drain.</li>
 *   <li><b>Never a self-wake without progress.</b> The stream wakes its own task only through
 *       {@link Context#consumeBudget()} (the budget is spent, which is progress by definition). Every other
 *       wake comes from an event: the transport became ready, a delegated task finished, the other role
 *       consumed readiness this role waited for, plaintext was drained, or {@link #close()}.</li>
 *   <li><b>After close_notify, silence.</b> Once the peer's close_notify is unwrapped, reads return the
 *       plaintext buffered before it and then {@code -1} forever; bytes after it (more records, garbage) are
 *       discarded and the transport is never read again for input, so nothing can wake the task on their
 *       account. A proxy built on this stream cannot spin on a half-closed TLS connection.</li>
 * </ol>
 *
 * <h2>Roles and ownership</h2>
 * There are two roles: the <em>reader</em> ({@link #pollRead}) and the <em>writer</em> ({@link #pollWrite},
 * {@link #pollWriteVectored}, {@link #pollFlush}, {@link #pollShutdown}). One task may read while another writes
 * (as with {@code TcpStream}); {@link #split()} hands out the two halves for that. At most one task reads at a
 * time, and at most one writes. All engine calls and all buffers are guarded by one {@link ReentrantLock},
 * held for a bounded, non-blocking stretch (engine calls and non-blocking transport calls, never a wait). With
 * the JDK engine a single lock costs no parallelism: {@code SSLEngineImpl} runs {@code wrap} and {@code unwrap}
 * under one internal lock anyway.
 * <p>Either role may drive either direction of the engine, because the engine decides: the reader wraps when
 * the engine says {@code NEED_WRAP} during a read (TLS 1.3 KeyUpdate answers and post-handshake messages, TLS
 * 1.2 renegotiation flights, the close_notify answer TLS 1.2 requires), and the writer unwraps when a wrap makes
 * no progress because the engine waits for the peer ({@code NEED_UNWRAP}). Both roles therefore reach the
 * transport in both directions, and never with their own wakers: the transport sees one forwarding
 * {@link RoleWaker} per direction, and each role registers its task there before each transport call. A role
 * whose transport call succeeds passes the event on to the other role if that one waits on the same direction
 * (it may have been waiting for exactly the readiness just used up).
 *
 * <h2>Buffers</h2>
 * Three heap buffers, sized from the session's packet and application buffer sizes and lent by
 * {@link RecordBuffers}: a poll takes them when it starts and gives back every empty one when it ends, so an idle
 * connection holds none, and a busy one cycles the same buffers through its worker's cache without allocating.
 * Each is kept in "read mode" (pending bytes between position and limit):
 * <ul>
 *   <li>{@code netIn}: ciphertext read from the transport, not yet unwrapped (two packets, so one transport
 *       read can bring more than one record).</li>
 *   <li>{@code appIn}: plaintext unwrapped but not yet read by the caller. A read unwraps straight into the
 *       caller's buffer and lets the engine spill the rest of a record into {@code appIn} (a two-buffer
 *       scatter), so a small read buffer costs no extra copy of the part that fits.</li>
 *   <li>{@code netOut}: ciphertext wrapped but not yet written (two packets: the JDK engine wraps only into a
 *       buffer with a whole packet free, and two let the next record be wrapped while one waits).</li>
 * </ul>
 * A buffer grows only when the engine reports a larger session packet or application size (BUFFER_OVERFLOW /
 * BUFFER_UNDERFLOW with a full buffer). In steady state nothing is allocated per record by this class; the
 * engine itself allocates an {@link SSLEngineResult} per {@code wrap}/{@code unwrap} call, which the API
 * leaves no way to avoid.
 *
 * <h2>Reading</h2>
 * Buffered plaintext first; then records already in {@code netIn}; only when nothing was produced, one
 * transport read, and the records it brought. {@code -1} after close_notify. EOF of the transport without
 * close_notify is a truncation error ({@link SSLException}) unless the stream was built with
 * {@code requireCloseNotify(false)}, in which case it reads as {@code -1}; EOF inside a record is always an
 * error; EOF during a handshake is an {@link SSLHandshakeException}.
 *
 * <h2>Delegated tasks</h2>
 * When the engine says {@code NEED_TASK}, the tasks run on a new virtual thread, never on a worker (with the
 * JDK engine they hold the engine's internal lock while they run, so no role calls the engine until they
 * finish). The calling role registers its waker for their completion and returns {@code Pending}; the task
 * thread clears the running flag and wakes every registered role. No polling loop meanwhile.
 *
 * <h2>Renegotiation</h2>
 * TLS 1.2 renegotiation started by the peer is carried out by the engine as the reader reads (the JDK engine
 * allows it only with RFC 5746 secure renegotiation). A writer the engine makes wait for the peer unwraps for
 * itself and keeps any application data it meets for the reader, up to {@value #MAX_BUFFERED_PLAINTEXT} bytes;
 * beyond that it waits until the reader drains them.
 *
 * <h2>Shutdown, step by step</h2>
 * <ol>
 *   <li>{@link #pollShutdown}: flush pending ciphertext; {@code closeOutbound()}; wrap until the engine's
 *       outbound side is done (the close_notify record); flush it; half-close the transport
 *       ({@code transport.pollShutdown}). Reading goes on until the peer's close_notify.</li>
 *   <li>The peer's close_notify: reads return {@code -1}. TLS 1.3 keeps our side open (half-close), so writing
 *       goes on; TLS 1.2 requires an answering close_notify, which the engine queues at once and the reader
 *       tries to send without registering for it, and after which writes fail. (BoringSSL closes both sides in
 *       both versions and sends no answer: see {@link TlsEngine}.)</li>
 *   <li>{@link #close()}: idempotent; closes the transport (if it is {@link AutoCloseable}) and wakes every
 *       task waiting on this stream; their next call fails with "TLS stream closed". It sends nothing: shut
 *       down first for a clean close.</li>
 * </ol>
 *
 * <h2>Diagnostics</h2>
 * The stream tells the runtime's busy-loop detector what really moved ({@link Context#markProgress()}): ciphertext
 * read from or written to the transport (a partial record counts: bytes moved), a record unwrapped or wrapped
 * (handshake, application data, close_notify in either direction), plaintext handed to the caller, a finished
 * handshake or shutdown, and the first end of stream. A transport that would block, a spent budget, a running
 * delegated task, and every {@code -1} after the first mark nothing, so a caller that keeps polling this stream
 * with nothing new (the proxy that spun after close_notify) is caught. A Pending poll names what it waits on
 * ({@code TlsStream over TcpStream a -> b: readable}, {@code ...: handshake (unwrap)}).
 *
 * @param <S> the transport
 */
public final class TlsStream<S extends AsyncRead & AsyncWrite>
        implements AsyncRead, AsyncWrite, Closeable, Described {
    private static final System.Logger LOG = System.getLogger("dev.spindle.tls");

    /**
     * Steps in one call that neither moved bytes nor changed state before the stream gives up with an
     * {@link SSLException}. A correct engine never needs more than a handful (a status change, then progress);
     * the bound turns an engine that keeps answering "OK, nothing done" into an error instead of a spinning
     * worker.
     */
    private static final int MAX_IDLE_STEPS = 64;

    /**
     * Plaintext a writer may buffer for the reader while it unwraps for a handshake the engine makes it wait
     * for (TLS 1.2 renegotiation): enough for any real handshake, small enough that a peer flooding data during
     * a renegotiation cannot make the stream buffer without bound.
     */
    static final int MAX_BUFFERED_PLAINTEXT = 256 * 1024;

    /** Delegated tasks run on virtual threads; the factory is thread-safe (a plain builder is not). */
    private static final ThreadFactory TASK_THREADS = Thread.ofVirtual().name("spindle-tls-task-", 0).factory();

    /** TLS record content type of application data (RFC 8446 5.1, RFC 5246 6.2.1). */
    private static final byte APPLICATION_DATA = 23;

    private static final int READER = RoleWaker.READER;
    private static final int WRITER = RoleWaker.WRITER;

    private enum ReadState {
        /** Records may still come. */
        OPEN,
        /** The peer's close_notify was unwrapped: -1 after the buffered plaintext. */
        CLOSE_NOTIFY,
        /** Transport EOF without close_notify, accepted because close_notify is not required: -1. */
        EOF,
        /** Transport EOF that is an error (truncation): {@code readFailure} is thrown. */
        TRUNCATED
    }

    private enum WriteState {
        OPEN,
        /** {@code closeOutbound()} was called; close_notify may not be written yet. */
        CLOSING,
        /** close_notify flushed and the transport half-closed. */
        SHUT
    }

    private final SSLEngine engine;
    /** Frees the engine's native state ({@link EngineFactory#release}); called once, by {@link #close()}. */
    private final Consumer<SSLEngine> release;
    private final S transport;
    private final boolean requireCloseNotify;
    private final String peer;

    /** Guards every field below that is not volatile or final, and every call into the engine. */
    private final ReentrantLock lock = new ReentrantLock();

    private final RoleWaker readWaker = new RoleWaker("read");
    private final RoleWaker writeWaker = new RoleWaker("write");
    private final RoleWaker taskWaker = new RoleWaker("task");
    private final RoleWaker drainWaker = new RoleWaker("drain");
    /** What the transport is polled with: unconstrained (the caller's own budget is spent by this class). */
    private final Context transportReadCx = new Context(readWaker);
    private final Context transportWriteCx = new Context(writeWaker);

    // ---- guarded by lock
    private ByteBuffer netIn;
    private ByteBuffer appIn;
    private ByteBuffer netOut;
    private final ByteBuffer emptySrc = ByteBuffer.allocate(0);
    private final ByteBuffer[] unwrapTargets = new ByteBuffer[2];
    private final ByteBuffer[] singleSrc = new ByteBuffer[1];
    private int packetSize;
    private int appSize;
    private boolean handshakeDone;
    /** TLS 1.3: every record says application_data on the outside; set when the handshake is done. */
    private boolean recordTypesHidden;
    private ReadState readState = ReadState.OPEN;
    private SSLException readFailure;
    private WriteState writeState = WriteState.OPEN;
    /** {@link #release} was called (guarded by the lock; {@code closed} alone is set before the lock is taken). */
    private boolean released;
    /** Fatal for both directions: an engine error or a transport read error. */
    private IOException failure;
    /**
     * A transport write failed: nothing more can be sent (writer calls fail), but reading goes on, since what
     * the peer sent before it went away may still be there (a reader answering a KeyUpdate from a peer that has
     * just closed must not lose the data that came with it).
     */
    private IOException writeFailure;

    // ---- shared without the lock
    /**
     * A delegated task is running. Written true under the lock before the task thread starts (thread start is
     * a happens-before edge), written false by the task thread (volatile write) before it wakes
     * {@code taskWaker}; read (volatile) by roles before they touch the engine, and re-read after they register
     * for the completion, so a completion between the two reads cannot be missed.
     */
    private volatile boolean taskRunning;
    /** A task's failure, written by the task thread before its volatile write of {@code taskRunning}. */
    private volatile Throwable taskFailure;
    /** {@link #close()} was called; volatile so a poll on another thread sees it without the lock. */
    private volatile boolean closed;
    /** Reports this stream if it is garbage-collected unclosed (its transport and engine would never be freed). */
    private final LeakTracker leak;

    /**
     * A stream over {@code transport} driving {@code engine}, which must be configured (client or server mode,
     * parameters) and, unless its handshake is already done, begun ({@code beginHandshake()}).
     */
    TlsStream(SSLEngine engine, S transport, boolean requireCloseNotify, String peer) {
        this(engine, e -> { }, transport, requireCloseNotify, peer);
    }

    /** As above; {@code release} is called with the engine once, when the stream is closed. */
    TlsStream(SSLEngine engine, Consumer<SSLEngine> release, S transport, boolean requireCloseNotify, String peer) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.release = Objects.requireNonNull(release, "release");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.requireCloseNotify = requireCloseNotify;
        this.peer = peer;
        SSLSession s = engine.getSession();
        packetSize = s.getPacketBufferSize();
        appSize = s.getApplicationBufferSize();
        leak = LeakDetector.track(this, TlsStream::describeForLeak);
    }

    private static String describeForLeak(TlsStream<?> s) {
        return "TlsStream with " + s.peer;
    }

    /**
     * Ciphertext the transport delivered before this stream existed (the acceptor read the ClientHello to choose
     * the engine): the engine reads these bytes first. Before the first poll only.
     */
    void seedInbound(ByteBuffer bytes) {
        lock.lock();
        try {
            if (netIn != null) {
                throw new IllegalStateException("seedInbound after the stream was polled");
            }
            netIn = RecordBuffers.PACKETS.take(Math.max(2 * packetSize, bytes.remaining()));
            netIn.clear();
            netIn.put(bytes);
            netIn.flip();
        } finally {
            lock.unlock();
        }
    }

    // =============================================================================================== handshake

    /** Drives the handshake; {@code Ready} once it is done and our last flight is written. Single task. */
    Poll<Void> pollHandshake(Context cx) throws IOException {
        lock.lock();
        try {
            takeBuffers();
            for (int idle = 0; ; idle++) {
                checkUsable();
                checkIdle(idle);
                if (awaitingTask(READER, cx)) {
                    return Poll.pending();
                }
                switch (engine.getHandshakeStatus()) {
                    case NEED_TASK -> {
                        if (startTasks(READER, cx)) {
                            return Poll.pending();
                        }
                    }
                    case NEED_WRAP -> {
                        if (!wrapEngineOutput(READER, cx)) {
                            return Poll.pending();
                        }
                        idle = 0;
                    }
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                        // The peer answers our flight: it must be on the wire before we wait for the answer.
                        if (flush(READER, cx).isPending() || driveInput(READER, cx).isPending()) {
                            return Poll.pending();
                        }
                        if (readState != ReadState.OPEN) {
                            throw fail(new SSLHandshakeException("TLS handshake with " + peer
                                    + " failed: the peer closed the TLS session (close_notify) before it completed"));
                        }
                        idle = 0;
                    }
                    case FINISHED, NOT_HANDSHAKING -> {
                        if (flush(READER, cx).isPending()) {
                            return Poll.pending();
                        }
                        handshakeDone = true;
                        recordTypesHidden = "TLSv1.3".equals(engine.getSession().getProtocol());
                        refreshSizes();
                        cx.markProgress();
                        return Poll.readyNull();
                    }
                }
            }
        } finally {
            giveBackEmptyBuffers();
            lock.unlock();
        }
    }

    /**
     * After a failed handshake: writes what is queued (the engine's alert) before the caller closes the
     * transport, so the peer learns why. {@code Ready} once written, or if it cannot be (transport error); the
     * caller's handshake deadline bounds the wait.
     */
    Poll<Void> pollFlushAlert(Context cx) {
        lock.lock();
        try {
            takeBuffers();
            return flush(READER, cx);
        } catch (IOException e) {
            return Poll.readyNull(); // the peer is gone; the handshake failure is what gets reported
        } finally {
            giveBackEmptyBuffers();
            lock.unlock();
        }
    }

    // =============================================================================================== diagnostics

    /**
     * What a Pending poll waits on, for task dumps: made once per stream and kind, handed out without allocating;
     * the text is built only when a dump asks, from fields read without the lock (a stale answer is fine there).
     */
    private static final class Waiting {
        private final TlsStream<?> stream;
        private final String what;
        private final String duringHandshake;

        Waiting(TlsStream<?> stream, String what, String duringHandshake) {
            this.stream = stream;
            this.what = what;
            this.duringHandshake = duringHandshake;
        }

        @Override
        public String toString() {
            return "TlsStream over " + stream.transport + ": " + (stream.handshakeDone ? what : duringHandshake);
        }
    }

    private final Waiting waitingReadable = new Waiting(this, "readable", "handshake (unwrap)");
    private final Waiting waitingWritable = new Waiting(this, "writable", "handshake (wrap)");
    private final Waiting waitingTask = new Waiting(this, "delegated task", "handshake (delegated task)");
    private final Waiting waitingDrain = new Waiting(this, "the reader to drain buffered plaintext",
            "handshake (the reader to drain buffered plaintext)");
    /** The end of stream was returned once (guarded by lock): a later -1 is no progress. */
    private boolean eofReported;

    /** The transport: a TLS stream's type chain reads {@code TlsStream<TcpStream>}. */
    @Override
    public List<?> children() {
        return List.of(transport);
    }

    // =============================================================================================== reading

    @Override
    public Poll<Integer> pollRead(Context cx, ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) {
            return Poll.readyCount(0);
        }
        lock.lock();
        try {
            takeBuffers();
            Poll<Integer> p = read(cx, dst);
            if (p.isReady()) {
                int n = p.value();
                if (n > 0 || (n < 0 && !eofReported)) {
                    eofReported |= n < 0; // the end of stream is a result once; repeating it moves nothing
                    cx.markProgress();
                }
            }
            return p;
        } finally {
            unwrapTargets[0] = null; // do not keep the caller's buffer reachable
            unwrapTargets[1] = null; // nor appIn, which may go back to the cache
            giveBackEmptyBuffers();
            lock.unlock();
        }
    }

    private Poll<Integer> read(Context cx, ByteBuffer dst) throws IOException {
        int produced = 0;
        for (int idle = 0; ; idle++) {
            if (appIn.hasRemaining()) {
                produced += drainPlaintext(dst);
                if (!dst.hasRemaining() || appIn.hasRemaining()) {
                    return Poll.readyCount(produced);
                }
            }
            // Nothing buffered from here on.
            switch (readState) {
                case OPEN -> {
                }
                case CLOSE_NOTIFY, EOF -> {
                    return Poll.readyCount(produced > 0 ? produced : -1);
                }
                case TRUNCATED -> {
                    if (produced > 0) {
                        return Poll.readyCount(produced);
                    }
                    throw new SSLException(readFailure.getMessage(), readFailure);
                }
            }
            if (failure != null || closed) {
                if (produced > 0) {
                    return Poll.readyCount(produced);
                }
                checkUsable();
            }
            checkIdle(idle);
            if (awaitingTask(READER, cx)) {
                return produced > 0 ? Poll.readyCount(produced) : Poll.pending();
            }
            HandshakeStatus hs = engine.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_TASK) {
                if (produced > 0) {
                    return Poll.readyCount(produced);
                }
                if (startTasks(READER, cx)) {
                    return Poll.pending();
                }
                continue;
            }
            if (hs == HandshakeStatus.NEED_WRAP) {
                // Post-handshake output the engine wants sent (KeyUpdate answer, renegotiation flight).
                if (!wrapEngineOutput(READER, cx)) {
                    return produced > 0 ? Poll.readyCount(produced) : Poll.pending();
                }
                idle = 0;
                continue;
            }
            if (produced > 0 && (nextRecordIsControl() || (recordTypesHidden && netIn.hasRemaining()))) {
                // Hand over the data first. A close_notify may close our side at once, discarding what we have not
                // wrapped yet: in TLS 1.2 every engine does (RFC 5246 7.2.1), in TLS 1.3 BoringSSL does too.
                // Unwrapping it in the same call as the data before it would leave the caller no chance to answer
                // that data (an echo, a response). TLS 1.3 hides the record type, so there any next record waits.
                return Poll.readyCount(produced);
            }
            if (netIn.hasRemaining()) {
                int before = dst.position();
                SSLEngineResult r = unwrap(dst);
                produced += dst.position() - before;
                if (r.bytesConsumed() > 0 || r.bytesProduced() > 0) {
                    cx.markProgress(); // a record unwrapped (data, handshake or close_notify), even if kept in appIn
                }
                switch (inboundStatus(r)) {
                    case OK -> {
                        if (r.bytesConsumed() > 0 || r.bytesProduced() > 0) {
                            idle = 0;
                            continue;
                        }
                        HandshakeStatus after = r.getHandshakeStatus();
                        if (after == HandshakeStatus.NEED_WRAP || after == HandshakeStatus.NEED_TASK) {
                            continue;
                        }
                        // Nothing consumed, nothing produced, nothing else wanted: the engine needs more input.
                    }
                    case CLOSED -> {
                        onCloseNotify();
                        continue;
                    }
                    case BUFFER_UNDERFLOW -> growNetInIfFull();
                    case BUFFER_OVERFLOW -> {
                        growAppIn();
                        continue;
                    }
                }
            }
            // The engine needs more ciphertext.
            if (produced > 0) {
                return Poll.readyCount(produced);
            }
            if (netOut.hasRemaining()) {
                flushFor(READER, cx); // keep our flight moving while we wait for the answer; Pending is fine here
            }
            Poll<Integer> n = readTransport(READER, cx);
            if (n.isPending()) {
                return Poll.pending();
            }
            if (n.value() < 0) {
                onTransportEof();
                continue; // -1, or the truncation error, from the state switch above
            }
            idle = 0;
        }
    }

    /** Copies buffered plaintext into {@code dst}; wakes a writer that waits for the drain. */
    private int drainPlaintext(ByteBuffer dst) {
        int n = Math.min(dst.remaining(), appIn.remaining());
        dst.put(dst.position(), appIn, appIn.position(), n);
        dst.position(dst.position() + n);
        appIn.position(appIn.position() + n);
        if (!appIn.hasRemaining()) {
            drainWaker.wakeRole(WRITER);
        }
        return n;
    }

    /**
     * One step of input for the handshake and for a writer the engine makes wait for the peer: unwrap one
     * record from {@code netIn} into {@code appIn}, or, when {@code netIn} holds no complete record, read the
     * transport once. {@code Ready} after progress (or a state change the caller must look at).
     */
    private Poll<Void> driveInput(int role, Context cx) throws IOException {
        if (readState != ReadState.OPEN) {
            if (readState == ReadState.TRUNCATED) {
                throw new SSLException(readFailure.getMessage(), readFailure);
            }
            return Poll.readyNull();
        }
        if (netIn.hasRemaining()) {
            if (appIn.remaining() + appSize > MAX_BUFFERED_PLAINTEXT) {
                // The reader has not taken what we buffered for it; wait until it does (registered under the
                // lock, which the reader needs to drain, so its drain sees the registration).
                drainWaker.register(role, cx.waker());
                cx.waitingOn(waitingDrain);
                return Poll.pending();
            }
            SSLEngineResult r = unwrap(null);
            if (r.bytesConsumed() > 0 || r.bytesProduced() > 0) {
                cx.markProgress();
            }
            switch (inboundStatus(r)) {
                case OK -> {
                    if (r.bytesConsumed() > 0 || r.bytesProduced() > 0) {
                        return Poll.readyNull();
                    }
                    HandshakeStatus after = r.getHandshakeStatus();
                    if (after == HandshakeStatus.NEED_WRAP || after == HandshakeStatus.NEED_TASK) {
                        return Poll.readyNull();
                    }
                }
                case CLOSED -> {
                    onCloseNotify();
                    return Poll.readyNull();
                }
                case BUFFER_UNDERFLOW -> growNetInIfFull();
                case BUFFER_OVERFLOW -> {
                    growAppIn();
                    return Poll.readyNull();
                }
            }
        }
        Poll<Integer> n = readTransport(role, cx);
        if (n.isPending()) {
            return Poll.pending();
        }
        if (n.value() < 0) {
            onTransportEof();
        }
        return Poll.readyNull();
    }

    /**
     * Unwraps from {@code netIn} into {@code dst} (if given, and only while nothing is buffered, to keep the
     * order) and then {@code appIn}.
     */
    private SSLEngineResult unwrap(ByteBuffer dst) throws IOException {
        boolean direct = dst != null && !appIn.hasRemaining();
        SSLException unexpected = null;
        if (appIn.hasRemaining()) {
            appIn.compact();
        } else {
            appIn.clear();
        }
        SSLException error;
        try {
            if (direct) {
                unwrapTargets[0] = dst;
                unwrapTargets[1] = appIn;
                return engine.unwrap(netIn, unwrapTargets);
            }
            return engine.unwrap(netIn, appIn);
        } catch (SSLException e) {
            error = BoringSsl.clarify(e);
        } catch (RuntimeException e) {
            // Not a TLS failure the engine knows about: an engine bug, or a callback that threw (our ALPN
            // selector for BoringSSL). What the engine queued meanwhile may not reflect it (Conscrypt carries on
            // with the handshake when a callback throws, and would send its flight): send nothing.
            error = null;
            unexpected = engineFailure("unwrap", e);
        } finally {
            appIn.flip();
        }
        if (error == null) {
            throw fail(unexpected);
        }
        throw failWithAlert(error); // only now: every buffer is back in read mode
    }

    /**
     * The status of an unwrap as far as reading is concerned. {@code CLOSED} means the peer's close_notify only
     * if the engine's inbound side is done: Conscrypt also answers {@code CLOSED} (with the record's data) to
     * every unwrap after our own close_notify, while the peer may still send, so that is read as {@code OK}.
     */
    private SSLEngineResult.Status inboundStatus(SSLEngineResult r) {
        SSLEngineResult.Status st = r.getStatus();
        return st == SSLEngineResult.Status.CLOSED && !engine.isInboundDone() ? SSLEngineResult.Status.OK : st;
    }

    /**
     * Whether the next record in {@code netIn} is visibly not application data: a TLS 1.2 (or older) alert or
     * handshake record, whose type is in clear in the record header. (TLS 1.3 hides every type behind
     * application_data; it also keeps our side open after close_notify, so it needs no such care.)
     */
    private boolean nextRecordIsControl() {
        return netIn.hasRemaining() && netIn.get(netIn.position()) != APPLICATION_DATA;
    }

    private void onCloseNotify() {
        readState = ReadState.CLOSE_NOTIFY;
        // Whatever follows close_notify is not ours to read: drop it, and never read the transport again.
        netIn.position(netIn.limit());
        // TLS 1.2 answers close_notify with close_notify, which the engine has queued. Send it if the transport
        // takes it now, without registering anyone: after close_notify nothing may wake the reader on its
        // account. If it does not go out now, the next write-side call (flush, shutdown) sends it.
        try {
            if (!taskRunning && engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP && wrapAllQuietly()) {
                writeQuietly();
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not answer close_notify from " + peer, e);
        }
    }

    private void onTransportEof() throws SSLException {
        if (!handshakeDone) {
            throw fail(new SSLHandshakeException("TLS handshake with " + peer
                    + " failed: the peer closed the connection before the handshake completed"));
        }
        if (netIn.hasRemaining()) {
            truncated(new SSLException("TLS stream truncated: the connection to " + peer
                    + " ended in the middle of a TLS record (" + netIn.remaining() + " bytes of it arrived)"));
        } else if (requireCloseNotify) {
            truncated(new SSLException("TLS stream truncated: " + peer + " closed the connection without sending"
                    + " close_notify, so the data may have been cut short (a truncation attack looks the same); if"
                    + " this peer is known to close without close_notify, build the connector or acceptor with"
                    + " requireCloseNotify(false)"));
        } else {
            readState = ReadState.EOF;
        }
    }

    private void truncated(SSLException e) {
        readState = ReadState.TRUNCATED;
        readFailure = e;
        netIn.position(netIn.limit());
    }

    private Poll<Integer> readTransport(int role, Context cx) throws IOException {
        if (!cx.consumeBudget()) {
            return Poll.pending(); // budget spent: consumeBudget woke the task
        }
        readWaker.register(role, cx.waker());
        netIn.compact();
        Poll<Integer> p;
        try {
            p = transport.pollRead(transportReadCx, netIn);
        } catch (IOException e) {
            throw fail(e);
        } finally {
            netIn.flip();
        }
        if (p.isReady()) {
            readWaker.consumed(role);
            if (p.value() != 0) {
                // Ciphertext in (a partial record too: bytes moved), or the transport's end, read once: the read
                // state leaves OPEN on it, and the transport is not read for input again.
                cx.markProgress();
            }
        } else {
            cx.waitingOn(waitingReadable);
        }
        return p;
    }

    /** After BUFFER_UNDERFLOW: make sure the next transport read has room for the rest of the record. */
    private void growNetInIfFull() {
        refreshSizes();
        if (netIn.position() == 0 && netIn.limit() == netIn.capacity()) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(2 * packetSize, netIn.capacity() + packetSize));
            bigger.put(netIn).flip();
            netIn = bigger;
        }
    }

    private void growAppIn() {
        refreshSizes();
        int needed = appIn.remaining() + appSize;
        if (needed > appIn.capacity()) {
            ByteBuffer bigger = ByteBuffer.allocate(needed);
            bigger.put(appIn).flip();
            appIn = bigger;
        }
    }

    // =============================================================================================== writing

    @Override
    public Poll<Integer> pollWrite(Context cx, ByteBuffer src) throws IOException {
        if (!src.hasRemaining()) {
            return Poll.readyCount(0);
        }
        lock.lock();
        try {
            takeBuffers();
            singleSrc[0] = src;
            Poll<Long> p = write(cx, singleSrc);
            return p.isPending() ? Poll.pending() : Poll.readyCount((int) (long) p.value());
        } finally {
            singleSrc[0] = null;
            unwrapTargets[1] = null;
            giveBackEmptyBuffers();
            lock.unlock();
        }
    }

    /** Gathering write: the engine wraps from all of {@code srcs} into the same records. */
    @Override
    public Poll<Long> pollWriteVectored(Context cx, ByteBuffer[] srcs) throws IOException {
        lock.lock();
        try {
            takeBuffers();
            return write(cx, srcs);
        } finally {
            unwrapTargets[1] = null;
            giveBackEmptyBuffers();
            lock.unlock();
        }
    }

    private Poll<Long> write(Context cx, ByteBuffer[] srcs) throws IOException {
        long consumed = 0;
        wrapping:
        for (int idle = 0; ; idle++) {
            checkWritable();
            if (!hasRemaining(srcs)) {
                break;
            }
            checkIdle(idle);
            if (awaitingTask(WRITER, cx)) {
                return consumed > 0 ? Poll.readyCount(consumed) : Poll.pending();
            }
            if (!makeRoomForRecord(cx)) {
                return consumed > 0 ? Poll.readyCount(consumed) : Poll.pending();
            }
            SSLEngineResult r = wrap(srcs);
            switch (r.getStatus()) {
                case OK -> {
                    consumed += r.bytesConsumed();
                    if (r.bytesConsumed() > 0 || r.bytesProduced() > 0) {
                        cx.markProgress(); // plaintext taken into a record (sent by the flush that follows)
                        idle = 0;
                        continue wrapping;
                    }
                    if (consumed > 0) {
                        break wrapping; // hand over what we took before waiting for anything
                    }
                    switch (r.getHandshakeStatus()) {
                        case NEED_TASK -> {
                            if (startTasks(WRITER, cx)) {
                                return Poll.pending();
                            }
                        }
                        case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                            // The engine waits for the peer before it takes more data (a handshake in progress):
                            // our flight must go out, and the answer must come in, whoever of us is polled.
                            flush(WRITER, cx); // Pending is fine: the write waker is registered as well
                            if (driveInput(WRITER, cx).isPending()) {
                                return Poll.pending();
                            }
                            idle = 0;
                        }
                        default -> {
                            // NEED_WRAP with nothing produced, or nothing at all: an idle step (bounded).
                        }
                    }
                }
                case BUFFER_OVERFLOW -> refreshSizes(); // makeRoomForRecord grows or flushes next time round
                case CLOSED -> throw closedForWriting();
                case BUFFER_UNDERFLOW -> throw fail(new SSLException("SSLEngine.wrap reported BUFFER_UNDERFLOW"));
            }
        }
        if (netOut.hasRemaining()) {
            flush(WRITER, cx); // push it out now; if the transport is full, the bytes wait in netOut (ours now)
        }
        return Poll.readyCount(consumed);
    }

    /**
     * Ensures {@code netOut} has a whole packet free (the JDK engine wraps only then), flushing or growing it.
     * {@code false} if the transport cannot take bytes now (the writer's waker is registered).
     */
    private boolean makeRoomForRecord(Context cx) throws IOException {
        while (netOut.capacity() - netOut.remaining() < packetSize) {
            if (!netOut.hasRemaining()) {
                netOut = ByteBuffer.allocate(2 * packetSize).flip();
                return true;
            }
            if (flush(WRITER, cx).isPending()) {
                return netOut.capacity() - netOut.remaining() >= packetSize;
            }
        }
        return true;
    }

    private SSLEngineResult wrap(ByteBuffer[] srcs) throws IOException {
        netOut.compact();
        SSLException error;
        try {
            return engine.wrap(srcs, netOut);
        } catch (SSLException e) {
            error = BoringSsl.clarify(e);
        } catch (RuntimeException e) {
            error = engineFailure("wrap", e);
        } finally {
            netOut.flip();
        }
        throw failWithAlert(error); // only now: netOut is back in read mode
    }

    private SSLEngineResult wrapEmpty() throws IOException {
        singleSrc[0] = emptySrc;
        try {
            return wrap(singleSrc);
        } finally {
            singleSrc[0] = null;
        }
    }

    /**
     * Wraps what the engine wants to send on its own ({@code NEED_WRAP}: handshake, post-handshake and alert
     * records), then starts writing it. {@code false} if {@code netOut} is full and the transport would block
     * (the role's waker is registered).
     */
    private boolean wrapEngineOutput(int role, Context cx) throws IOException {
        for (int idle = 0; !taskRunning && engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP; idle++) {
            checkIdle(idle);
            if (netOut.capacity() - netOut.remaining() < packetSize) {
                if (!netOut.hasRemaining()) {
                    netOut = ByteBuffer.allocate(2 * packetSize).flip();
                } else if (flushFor(role, cx).isPending() && netOut.capacity() - netOut.remaining() < packetSize) {
                    return false;
                }
                continue;
            }
            SSLEngineResult r = wrapEmpty();
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                refreshSizes();
            } else if (r.getStatus() == SSLEngineResult.Status.CLOSED && r.bytesProduced() == 0) {
                break;
            } else if (r.bytesProduced() > 0) {
                cx.markProgress(); // a handshake, post-handshake or alert record made
                idle = 0;
            }
        }
        if (netOut.hasRemaining()) {
            flushFor(role, cx);
        }
        return true;
    }

    /**
     * Writes {@code netOut} to the transport until it is empty ({@code Ready}) or the transport would block
     * ({@code Pending}, the role's waker registered) or the budget is spent ({@code Pending}, task woken).
     */
    private Poll<Void> flush(int role, Context cx) throws IOException {
        if (writeFailure != null && netOut.hasRemaining()) {
            netOut.position(netOut.limit()); // cannot be sent any more
            throw new IOException("TLS stream: writing to " + peer + " failed earlier: " + writeFailure.getMessage(),
                    writeFailure);
        }
        while (netOut.hasRemaining()) {
            if (!cx.consumeBudget()) {
                return Poll.pending();
            }
            writeWaker.register(role, cx.waker());
            Poll<Integer> p;
            try {
                p = transport.pollWrite(transportWriteCx, netOut);
            } catch (IOException e) {
                writeFailure = e;
                netOut.position(netOut.limit());
                throw e;
            }
            if (p.isPending()) {
                cx.waitingOn(waitingWritable);
                return Poll.pending();
            }
            writeWaker.consumed(role);
            if (p.value() > 0) {
                cx.markProgress(); // ciphertext out: data, handshake flight or close_notify
            }
        }
        return Poll.readyNull();
    }

    /**
     * {@link #flush} on behalf of {@code role}; a reader past the handshake that fails to write keeps reading
     * (see {@code writeFailure}), everyone else fails.
     */
    private Poll<Void> flushFor(int role, Context cx) throws IOException {
        try {
            return flush(role, cx);
        } catch (IOException e) {
            if (role == READER && handshakeDone && e == writeFailure) {
                LOG.log(System.Logger.Level.DEBUG, () -> "TLS stream with " + peer
                        + ": could not send what the engine answered while reading (" + e + "); reading goes on");
                return Poll.readyNull();
            }
            throw e;
        }
    }

    @Override
    public Poll<Void> pollFlush(Context cx) throws IOException {
        lock.lock();
        try {
            takeBuffers();
            checkUsable();
            if (awaitingTask(WRITER, cx)) {
                return Poll.pending();
            }
            if (engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP && !wrapEngineOutput(WRITER, cx)) {
                return Poll.pending();
            }
            if (flush(WRITER, cx).isPending()) {
                return Poll.pending();
            }
            writeWaker.register(WRITER, cx.waker());
            Poll<Void> p;
            try {
                p = transport.pollFlush(transportWriteCx);
            } catch (IOException e) {
                throw fail(e);
            }
            if (p.isReady()) {
                writeWaker.clear(WRITER);
            }
            return p;
        } finally {
            giveBackEmptyBuffers();
            lock.unlock();
        }
    }

    /**
     * Sends close_notify, flushes it, then half-closes the transport; reading goes on. Idempotent once done.
     */
    @Override
    public Poll<Void> pollShutdown(Context cx) throws IOException {
        lock.lock();
        try {
            takeBuffers();
            if (writeState == WriteState.SHUT) {
                return Poll.readyNull();
            }
            checkUsable();
            if (awaitingTask(WRITER, cx)) {
                return Poll.pending();
            }
            if (writeState == WriteState.OPEN) {
                engine.closeOutbound();
                writeState = WriteState.CLOSING;
            }
            // Wrap until the engine has nothing more to send. Not "until isOutboundDone()": Conscrypt reports its
            // outbound side done as soon as closeOutbound() returns, with the close_notify still to be wrapped.
            for (int idle = 0; ; idle++) {
                checkIdle(idle);
                if (!makeRoomForRecord(cx)) {
                    return Poll.pending();
                }
                SSLEngineResult r = wrapEmpty();
                if (r.bytesProduced() > 0) {
                    cx.markProgress(); // the close_notify record made
                    idle = 0;
                } else if (r.getStatus() == SSLEngineResult.Status.CLOSED || engine.isOutboundDone()) {
                    break;
                } else if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                    if (startTasks(WRITER, cx)) {
                        return Poll.pending();
                    }
                } else if (r.getHandshakeStatus() == HandshakeStatus.NEED_UNWRAP) {
                    break; // the engine would wait for the peer's close_notify; a half-close does not
                }
            }
            if (flush(WRITER, cx).isPending()) {
                return Poll.pending();
            }
            writeWaker.register(WRITER, cx.waker());
            Poll<Void> p;
            try {
                p = transport.pollShutdown(transportWriteCx);
            } catch (IOException e) {
                throw fail(e);
            }
            if (p.isPending()) {
                return Poll.pending();
            }
            writeWaker.clear(WRITER);
            writeState = WriteState.SHUT;
            cx.markProgress(); // the transport half-closed (once: a later call returns at the top)
            return Poll.readyNull();
        } finally {
            giveBackEmptyBuffers();
            lock.unlock();
        }
    }

    private void checkWritable() throws IOException {
        checkUsable();
        if (writeFailure != null) {
            throw new IOException("TLS stream: writing to " + peer + " failed earlier: " + writeFailure.getMessage(),
                    writeFailure);
        }
        if (writeState != WriteState.OPEN) {
            throw new IOException("TLS stream: write after shutdown (close_notify was already sent to " + peer + ")");
        }
    }

    private SSLException closedForWriting() {
        if (readState == ReadState.CLOSE_NOTIFY) {
            String protocol = engine.getSession().getProtocol();
            return new SSLException("cannot write: " + peer + " closed the TLS session (close_notify), and "
                    + ("TLSv1.3".equals(protocol)
                    ? "this SSLEngine closes both directions when the peer closes (BoringSSL does; the JDK's engine"
                    + " keeps this side open in TLS 1.3)"
                    : protocol + " closes both directions when one side does (TLS 1.3 would keep this side open)"));
        }
        return new SSLException("cannot write: the TLS session with " + peer + " is closed");
    }

    private static boolean hasRemaining(ByteBuffer[] srcs) {
        for (ByteBuffer b : srcs) {
            if (b.hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    // =============================================================================================== tasks

    /**
     * Whether a delegated task is running; if so, {@code role}'s waker is registered for its completion. Also
     * reports a task's failure.
     */
    private boolean awaitingTask(int role, Context cx) throws IOException {
        if (taskRunning) { // volatile read; pairs with the task thread's volatile write of false
            taskWaker.register(role, cx.waker());
            if (taskRunning) { // re-check: a completion between the two reads would have found no waker
                cx.waitingOn(waitingTask);
                return true;
            }
            taskWaker.clear(role);
        }
        Throwable t = taskFailure; // written before taskRunning = false, which we read above
        if (t != null) {
            taskFailure = null;
            throw fail(new SSLException("an SSLEngine delegated task failed: " + t, t));
        }
        return false;
    }

    /**
     * Takes the engine's delegated tasks and runs them on a virtual thread; {@code role}'s waker is registered
     * for their completion. {@code false} if the engine had no task after all (the caller re-reads the status).
     */
    private boolean startTasks(int role, Context cx) throws IOException {
        Runnable first = engine.getDelegatedTask();
        if (first == null) {
            return false;
        }
        List<Runnable> tasks = new ArrayList<>(2); // handshake time only, not per record
        tasks.add(first);
        for (Runnable t; (t = engine.getDelegatedTask()) != null; ) {
            tasks.add(t);
        }
        taskRunning = true; // volatile write; the thread start below also publishes it to the task thread
        taskWaker.register(role, cx.waker());
        try {
            TASK_THREADS.newThread(() -> runTasks(tasks)).start();
        } catch (RuntimeException | OutOfMemoryError e) {
            taskRunning = false;
            taskWaker.clear(role);
            throw fail(new SSLException("could not start a virtual thread for SSLEngine delegated tasks: " + e, e));
        }
        cx.waitingOn(waitingTask);
        return true;
    }

    private void runTasks(List<Runnable> tasks) {
        try {
            for (Runnable t : tasks) {
                t.run();
            }
        } catch (Throwable t) {
            taskFailure = t;
        } finally {
            taskRunning = false; // volatile write; pairs with awaitingTask's reads and releaseEngine's
            taskWaker.wake();
            if (closed) { // volatile read; pairs with close()'s write (see releaseEngine)
                releaseEngine();
            }
        }
    }

    // =============================================================================================== failure

    private void checkUsable() throws IOException {
        if (closed) {
            throw new IOException("TLS stream closed: close() was called on this TlsStream");
        }
        IOException f = failure;
        if (f != null) {
            throw f instanceof SSLException ? new SSLException("TLS stream failed earlier: " + f.getMessage(), f)
                    : new IOException("TLS stream failed earlier: " + f.getMessage(), f);
        }
    }

    private void checkIdle(int idle) throws IOException {
        if (idle > MAX_IDLE_STEPS) {
            throw fail(new SSLException("SSLEngine made no progress in " + MAX_IDLE_STEPS + " steps (handshake status "
                    + engine.getHandshakeStatus() + "); giving up rather than spinning"));
        }
    }

    /**
     * An unchecked exception out of {@code wrap}/{@code unwrap}: an engine bug, or a callback of ours or the
     * user's (ALPN selector, key or trust manager) that had to throw unchecked; if it carries an
     * {@link SSLException}, that is the failure, as the callback meant it.
     */
    private static SSLException engineFailure(String call, RuntimeException e) {
        if (e.getCause() instanceof SSLException cause) {
            return cause;
        }
        return new SSLException("SSLEngine." + call + " failed: " + e, e);
    }

    /** Records a fatal failure (the first one wins) and returns {@code e} for the caller to throw. */
    private <E extends IOException> E fail(E e) {
        if (failure == null) {
            failure = e;
        }
        return e;
    }

    /** An engine failure: record it, then try once to send the alert the engine has queued, without waiting. */
    private SSLException failWithAlert(SSLException e) {
        fail(e);
        try {
            if (wrapAllQuietly()) {
                writeQuietly();
            }
        } catch (RuntimeException ignored) {
            // best effort: the failure being reported is the one that matters
        }
        return e;
    }

    /** Wraps whatever the engine has to send (alerts, close_notify) into netOut; true if netOut has bytes. */
    private boolean wrapAllQuietly() {
        for (int i = 0; i < 4 && netOut.capacity() - netOut.remaining() >= packetSize; i++) {
            netOut.compact();
            try {
                singleSrc[0] = emptySrc;
                if (engine.wrap(singleSrc, netOut).bytesProduced() == 0) {
                    break;
                }
            } catch (SSLException | RuntimeException ignored) {
                break; // nothing more to send
            } finally {
                singleSrc[0] = null;
                netOut.flip();
            }
        }
        return netOut.hasRemaining();
    }

    /**
     * One write of netOut to the transport with no role registered: if it would block, the bytes stay queued
     * and nobody is woken on their account.
     */
    private void writeQuietly() {
        try {
            transport.pollWrite(transportWriteCx, netOut);
        } catch (IOException | RuntimeException ignored) {
            // the peer may be gone already; nothing depends on these bytes arriving
        }
    }

    /**
     * First thing in every poll, under the lock: takes back the buffers given back when the last poll ended
     * ({@link RecordBuffers}), so everything between may use all three.
     */
    private void takeBuffers() {
        if (netIn == null) {
            netIn = RecordBuffers.PACKETS.take(2 * packetSize);
        }
        if (appIn == null) {
            appIn = RecordBuffers.PLAINTEXT.take(appSize);
        }
        if (netOut == null) {
            netOut = RecordBuffers.PACKETS.take(2 * packetSize);
        }
    }

    /**
     * Last thing in every poll, under the lock: gives back each buffer that holds no bytes, so a connection
     * waiting for its peer holds none. A buffer with bytes (half a record, unread plaintext, unsent ciphertext)
     * stays until they are used up.
     */
    private void giveBackEmptyBuffers() {
        if (netIn != null && !netIn.hasRemaining()) {
            RecordBuffers.PACKETS.give(netIn);
            netIn = null;
        }
        if (appIn != null && !appIn.hasRemaining()) {
            RecordBuffers.PLAINTEXT.give(appIn);
            appIn = null;
        }
        if (netOut != null && !netOut.hasRemaining()) {
            RecordBuffers.PACKETS.give(netOut);
            netOut = null;
        }
    }

    /** The engine (tests: Conscrypt's internals are checked through it). */
    SSLEngine engine() {
        return engine;
    }

    /** Bytes of buffer this stream holds between polls: 0 when idle (tests). */
    int heldBufferBytes() {
        lock.lock();
        try {
            return (netIn == null ? 0 : netIn.capacity()) + (appIn == null ? 0 : appIn.capacity())
                    + (netOut == null ? 0 : netOut.capacity());
        } finally {
            lock.unlock();
        }
    }

    private void refreshSizes() {
        SSLSession s = engine.getSession();
        packetSize = Math.max(packetSize, s.getPacketBufferSize());
        appSize = Math.max(appSize, s.getApplicationBufferSize());
    }

    // =============================================================================================== accessors

    /** The TLS session; see {@link SSLSession}. */
    public SSLSession session() {
        return engine.getSession();
    }

    /** The negotiated protocol version, e.g. {@code "TLSv1.3"}. */
    public String protocol() {
        return engine.getSession().getProtocol();
    }

    /** The negotiated cipher suite, e.g. {@code "TLS_AES_128_GCM_SHA256"}. */
    public String cipherSuite() {
        return engine.getSession().getCipherSuite();
    }

    /** The protocol agreed through ALPN, if any. */
    public Optional<String> applicationProtocol() {
        String p = engine.getApplicationProtocol();
        return p == null || p.isEmpty() ? Optional.empty() : Optional.of(p);
    }

    /** The peer's certificate chain, leaf first; empty if the peer did not authenticate. */
    public List<X509Certificate> peerCertificates() {
        try {
            Certificate[] chain = engine.getSession().getPeerCertificates();
            List<X509Certificate> out = new ArrayList<>(chain.length);
            for (Certificate c : chain) {
                if (c instanceof X509Certificate x) {
                    out.add(x);
                }
            }
            return List.copyOf(out);
        } catch (SSLPeerUnverifiedException unauthenticated) {
            return List.of();
        }
    }

    /**
     * The SNI host name: on the server, the one the client asked for; on the client, the one it sent.
     */
    public Optional<String> sniHostName() {
        List<SNIServerName> names = List.of();
        if (engine.getUseClientMode()) {
            List<SNIServerName> sent = engine.getSSLParameters().getServerNames();
            names = sent == null ? List.of() : sent;
        } else if (engine.getSession() instanceof ExtendedSSLSession ext) {
            names = ext.getRequestedServerNames();
        }
        for (SNIServerName n : names) {
            if (n instanceof SNIHostName h) {
                return Optional.of(h.getAsciiName());
            }
        }
        return Optional.empty();
    }

    /** Whether this is the client side of the connection. */
    public boolean isClientMode() {
        return engine.getUseClientMode();
    }

    /**
     * The underlying transport, for its own settings and addresses. Reading or writing it directly corrupts the
     * TLS session.
     */
    public S transport() {
        return transport;
    }

    // =============================================================================================== lifecycle

    /**
     * Closes the transport (if it is {@link AutoCloseable}), wakes every task waiting on this stream (their next
     * call fails with "TLS stream closed") and frees the engine's native state, if it has any (BoringSSL).
     * Idempotent. Sends nothing: {@link #pollShutdown} first for a clean close. The session's details
     * ({@link #session()}, {@link #protocol()}, {@link #peerCertificates()}...) stay readable.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true; // volatile write: polls on other threads see it at their next checkUsable
        try {
            if (transport instanceof AutoCloseable c) {
                c.close();
            }
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("closing the transport of a TLS stream failed: " + e.getMessage(), e);
        } finally {
            // Closing is an event: whoever waits must come and see it (a transport that is not closeable, or a
            // writer waiting for a drain, would otherwise never be woken).
            readWaker.wake();
            writeWaker.wake();
            taskWaker.wake();
            drainWaker.wake();
            discardBuffers();
            releaseEngine();
            leak.close(this);
        }
    }

    /** On close: whatever the buffers hold will never be sent or read; they go back to the cache. */
    private void discardBuffers() {
        lock.lock();
        try {
            for (ByteBuffer b : new ByteBuffer[] {netIn, appIn, netOut}) {
                if (b != null) {
                    b.position(b.limit());
                }
            }
            giveBackEmptyBuffers();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Frees the engine, once. Under the lock: a poll on another thread may be inside the engine right now (it
     * holds the lock for a bounded, non-blocking stretch), and its next step fails on {@code closed}. Not while
     * a delegated task runs (it uses the engine without our lock): then the task thread frees it when it ends.
     * Either this thread sees {@code taskRunning} false, or the task thread, whose volatile write of false comes
     * later, then reads {@code closed} (volatile, written before this read) as true; both may, and
     * {@code released} makes it once.
     */
    private void releaseEngine() {
        lock.lock();
        try {
            if (!released && !taskRunning) {
                released = true;
                release.accept(engine);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "freeing the SSLEngine of the TLS stream with " + peer + " failed", e);
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * The read half and the write half of this stream, for two tasks (one reading, one writing) at once. Both
     * share this stream; closing either closes it. See the class comment, "Roles and ownership", and
     * {@link Split}.
     */
    public Split.Halves<TlsStream<S>> split() {
        return Split.of(this);
    }

    @Override
    public String toString() {
        return "TlsStream[" + peer + (closed ? ", closed" : "") + "]";
    }
}
