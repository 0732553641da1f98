package dev.spindle.tls;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * Makes the {@link SSLEngine} a {@link TlsStream} drives. The default, {@link #jdk()}, asks the
 * {@link SSLContext}. For BoringSSL, use {@code .engine(TlsEngine.BORINGSSL)} on the builder; a factory of your own
 * (another provider's engine, an engine that needs extra setup) plugs in with one builder call,
 * {@code TlsConnector.builder(ctx).engineFactory(myFactory)}, and frees what its engines hold in
 * {@link #release}.
 *
 * <p>The connector and acceptor configure the engine after it is made (client or server mode, SNI, endpoint
 * identification, ALPN, protocols, client authentication) through {@link SSLEngine#setSSLParameters}, so a
 * factory only creates it. An engine must honour {@code SSLEngine}'s documented contract: results and statuses
 * of {@code wrap}/{@code unwrap}, delegated tasks, {@code closeOutbound}.
 */
@FunctionalInterface
public interface EngineFactory {

    /**
     * A new engine.
     *
     * @param context  the context the connector or acceptor was built with
     * @param peerHost the host the client connects to (used for endpoint identification and session
     *                 resumption), or {@code null} on the server side
     * @param peerPort the peer's port, or {@code -1} if unknown
     */
    SSLEngine create(SSLContext context, String peerHost, int peerPort);

    /**
     * Called exactly once for every engine this factory made, when the stream that drives it is closed (or its
     * handshake could not start): frees what the engine holds outside the Java heap, e.g. a native SSL object
     * or a reference count. The transport is closed by then; nothing sent now would arrive. The default does
     * nothing, which is right for the JDK's engine.
     */
    default void release(SSLEngine engine) {
    }

    /** The JDK's engine: {@link SSLContext#createSSLEngine(String, int)}. */
    static EngineFactory jdk() {
        return (context, host, port) -> host == null ? context.createSSLEngine() : context.createSSLEngine(host, port);
    }
}
