package dev.spindle.tls;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * Makes the {@link SSLEngine} a {@link TlsStream} drives. The default, {@link #jdk()}, asks the
 * {@link SSLContext}; another implementation (BoringSSL through netty-tcnative, for instance) plugs in with one
 * builder call, {@code TlsConnector.builder(ctx).engineFactory(myFactory)}.
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

    /** The JDK's engine: {@link SSLContext#createSSLEngine(String, int)}. */
    static EngineFactory jdk() {
        return (context, host, port) -> host == null ? context.createSSLEngine() : context.createSSLEngine(host, port);
    }
}
