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
 * <h2>Parts</h2>
 * This class is the adapter: the API, the lock, and the buffers lent for the length of one poll. The rest is
 * split the way rustls and Netty split theirs, each part package-private with its protocol at its top:
 * <ul>
 *   <li>{@link EngineDriver}: the engine and its three record buffers, wrap and unwrap, the engine's statuses,
 *       buffer growth. No transport, no task context: testable with two engines in memory.</li>
 *   <li>{@link CiphertextIo}: ciphertext to and from the transport, with the forwarding wakers that keep the
 *       two roles from losing each other's wakes.</li>
 *   <li>{@link DelegatedTasks}: the engine's delegated tasks on a thread of their own, and the wake back.</li>
 *   <li>{@link StreamState}: what may still be read and written, and why not.</li>
 *   <li>{@link TlsConnection}: the handshake, read, write, flush and shutdown loops that drive the others.</li>
 * </ul>
 * Buffers are lent by {@link RecordBuffers}: a poll takes them when it starts and gives back every empty one when
 * it ends, so an idle connection holds none, and a busy one cycles the same buffers through its worker's cache
 * without allocating.
 *
 * <h2>Reading</h2>
 * Buffered plaintext first; then records already in {@code netIn}; only when nothing was produced, one
 * transport read, and the records it brought. {@code -1} after close_notify. EOF of the transport without
 * close_notify is a truncation error ({@link SSLException}) unless the stream was built with
 * {@code requireCloseNotify(false)}, in which case it reads as {@code -1}; EOF inside a record is always an
 * error; EOF during a handshake is an {@link SSLHandshakeException}.
 *
 * <h2>Delegated tasks</h2>
 * When the engine says {@code NEED_TASK}, the tasks run on a new virtual thread, never on a worker; the calling
 * role registers its waker for their completion and returns {@code Pending} ({@link DelegatedTasks}).
 *
 * <h2>Renegotiation</h2>
 * TLS 1.2 renegotiation started by the peer is carried out by the engine as the reader reads (the JDK engine
 * allows it only with RFC 5746 secure renegotiation). A writer the engine makes wait for the peer unwraps for
 * itself and keeps any application data it meets for the reader, up to
 * {@value TlsConnection#MAX_BUFFERED_PLAINTEXT} bytes; beyond that it waits until the reader drains them.
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

    private final S transport;
    private final String peer;
    /** Frees the engine's native state ({@link EngineFactory#release}); called once, by {@link #close()}. */
    private final Consumer<SSLEngine> release;

    /** Guards every part below and every call into the engine; held for a bounded, non-blocking stretch. */
    private final ReentrantLock lock = new ReentrantLock();
    private final EngineDriver driver;
    private final StreamState state;
    private final CiphertextIo<S> io;
    private final DelegatedTasks tasks;
    private final TlsConnection<S> connection;
    /** The one source of {@link #pollWrite} (guarded by the lock; cleared after each poll). */
    private final ByteBuffer[] oneSource = new ByteBuffer[1];
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
        Objects.requireNonNull(engine, "engine");
        this.release = Objects.requireNonNull(release, "release");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.peer = peer;
        driver = new EngineDriver(engine);
        state = new StreamState(peer);
        io = new CiphertextIo<>(transport, driver, state, peer);
        tasks = new DelegatedTasks(engine::getDelegatedTask, this::afterTasks);
        connection = new TlsConnection<>(driver, state, io, tasks, requireCloseNotify, peer);
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
            driver.seedInbound(bytes);
        } finally {
            lock.unlock();
        }
    }

    // =============================================================================================== polls

    /** Drives the handshake; {@code Ready} once it is done and our last flight is written. Single task. */
    Poll<Void> pollHandshake(Context cx) throws IOException {
        lock.lock();
        try {
            driver.takeBuffers();
            return connection.handshake(cx);
        } finally {
            driver.giveBackEmptyBuffers();
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
            driver.takeBuffers();
            return connection.flushAlert(cx);
        } finally {
            driver.giveBackEmptyBuffers();
            lock.unlock();
        }
    }

    @Override
    public Poll<Integer> pollRead(Context cx, ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) {
            return Poll.readyCount(0);
        }
        lock.lock();
        try {
            driver.takeBuffers();
            Poll<Integer> p = connection.read(cx, dst);
            if (p.isReady()) {
                int n = p.value();
                if (n > 0 || (n < 0 && state.firstEndOfStream())) {
                    cx.markProgress(); // the end of stream is a result once; repeating it moves nothing
                }
            }
            return p;
        } finally {
            driver.giveBackEmptyBuffers();
            lock.unlock();
        }
    }

    @Override
    public Poll<Integer> pollWrite(Context cx, ByteBuffer src) throws IOException {
        if (!src.hasRemaining()) {
            return Poll.readyCount(0);
        }
        lock.lock();
        try {
            driver.takeBuffers();
            oneSource[0] = src;
            Poll<Long> p = connection.write(cx, oneSource);
            return p.isPending() ? Poll.pending() : Poll.readyCount((int) (long) p.value());
        } finally {
            oneSource[0] = null; // do not keep the caller's buffer reachable
            driver.giveBackEmptyBuffers();
            lock.unlock();
        }
    }

    /** Gathering write: the engine wraps from all of {@code srcs} into the same records. */
    @Override
    public Poll<Long> pollWriteVectored(Context cx, ByteBuffer[] srcs) throws IOException {
        lock.lock();
        try {
            driver.takeBuffers();
            return connection.write(cx, srcs);
        } finally {
            driver.giveBackEmptyBuffers();
            lock.unlock();
        }
    }

    @Override
    public Poll<Void> pollFlush(Context cx) throws IOException {
        lock.lock();
        try {
            driver.takeBuffers();
            return connection.flush(cx);
        } finally {
            driver.giveBackEmptyBuffers();
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
            driver.takeBuffers();
            return connection.shutdown(cx);
        } finally {
            driver.giveBackEmptyBuffers();
            lock.unlock();
        }
    }

    /** The engine (tests: Conscrypt's internals are checked through it). */
    SSLEngine engine() {
        return driver.engine();
    }

    /** Bytes of buffer this stream holds between polls: 0 when idle (tests). */
    int heldBufferBytes() {
        lock.lock();
        try {
            return driver.heldBufferBytes();
        } finally {
            lock.unlock();
        }
    }

    /** The transport: a TLS stream's type chain reads {@code TlsStream<TcpStream>}. */
    @Override
    public List<?> children() {
        return List.of(transport);
    }

    // =============================================================================================== accessors

    /** The TLS session; see {@link SSLSession}. */
    public SSLSession session() {
        return driver.engine().getSession();
    }

    /** The negotiated protocol version, e.g. {@code "TLSv1.3"}. */
    public String protocol() {
        return driver.engine().getSession().getProtocol();
    }

    /** The negotiated cipher suite, e.g. {@code "TLS_AES_128_GCM_SHA256"}. */
    public String cipherSuite() {
        return driver.engine().getSession().getCipherSuite();
    }

    /** The protocol agreed through ALPN, if any. */
    public Optional<String> applicationProtocol() {
        String p = driver.engine().getApplicationProtocol();
        return p == null || p.isEmpty() ? Optional.empty() : Optional.of(p);
    }

    /** The peer's certificate chain, leaf first; empty if the peer did not authenticate. */
    public List<X509Certificate> peerCertificates() {
        try {
            Certificate[] chain = driver.engine().getSession().getPeerCertificates();
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
        if (driver.engine().getUseClientMode()) {
            List<SNIServerName> sent = driver.engine().getSSLParameters().getServerNames();
            names = sent == null ? List.of() : sent;
        } else if (driver.engine().getSession() instanceof ExtendedSSLSession ext) {
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
        return driver.engine().getUseClientMode();
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
        if (!state.close()) {
            return;
        }
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
            io.wakeAll();
            tasks.wakeAll();
            discardBuffers();
            releaseEngine();
            leak.close(this);
        }
    }

    /** On close: whatever the buffers hold will never be sent or read; they go back to the cache. */
    private void discardBuffers() {
        lock.lock();
        try {
            driver.discardBuffers();
        } finally {
            lock.unlock();
        }
    }

    /** On the task thread, after the tasks ended and their waiters were woken: free the engine if closed meanwhile. */
    private void afterTasks() {
        if (state.isClosed()) { // volatile read; pairs with close()'s write (see releaseEngine)
            releaseEngine();
        }
    }

    /**
     * Frees the engine, once. Under the lock: a poll on another thread may be inside the engine right now (it
     * holds the lock for a bounded, non-blocking stretch), and its next step fails on {@code closed}. Not while
     * a delegated task runs (it uses the engine without our lock): then the task thread frees it when it ends
     * ({@link #afterTasks}). Either this thread sees {@code running} false, or the task thread, whose volatile
     * write of false comes before its read of {@code closed}, sees {@code closed} (volatile, written before this
     * read of {@code running}) as true; both may, and {@link StreamState#releaseOnce()} makes it once.
     */
    private void releaseEngine() {
        lock.lock();
        try {
            if (!tasks.running() && state.releaseOnce()) {
                release.accept(driver.engine());
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "freeing the SSLEngine of the TLS stream with " + peer + " failed", e);
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return state.isClosed();
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
        return "TlsStream[" + peer + (state.isClosed() ? ", closed" : "") + "]";
    }
}
