package dev.spindle.perf.servers.tls;

import dev.spindle.tls.Certificates;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What every TLS server and client of the benchmark agrees on: the benchmark certificate in {@code --cert-dir}
 * ({@code cert.pem}, {@code key.pem}, made by {@link MakeCert}), one protocol version ({@code --protocol}, default
 * TLSv1.3) and, on the client side, one key exchange group and one cipher suite per version.
 *
 * <p>The clients exchange keys over {@value #KEY_EXCHANGE_GROUP} and offer a single suite (AES-128-GCM with
 * SHA-256: {@code TLS_AES_128_GCM_SHA256} for TLS 1.3, {@code TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256} for TLS
 * 1.2), so that every server, whatever its engine prefers, does the same key exchange and encrypts with the same
 * cipher; otherwise the JDK (which prefers AES-256) and BoringSSL (AES-128) would be measured doing different
 * work. The servers keep their engines' defaults.
 */
public final class BenchTls {
    /** The (EC)DHE group the clients offer (TLS 1.2 adds secp256r1, the certificate's curve). */
    public static final String KEY_EXCHANGE_GROUP = "x25519";

    /** The versions {@code --protocol} accepts, the default first. */
    public static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private BenchTls() {
    }

    public static Path certificate(Path certDir) {
        return certDir.resolve("cert.pem");
    }

    public static Path privateKey(Path certDir) {
        return certDir.resolve("key.pem");
    }

    /** The server side: presents the benchmark certificate. */
    public static SSLContext serverContext(Path certDir) throws IOException, GeneralSecurityException {
        return Certificates.keyContext(certificate(certDir), privateKey(certDir));
    }

    /** The client side: trusts exactly the benchmark certificate (see {@link PinnedTrustManager}), presents none. */
    public static SSLContext clientContext(PinnedTrustManager trust) throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {trust}, null);
        return context;
    }

    /** A trust manager pinned to the certificate in {@code certDir}. */
    public static PinnedTrustManager pinnedTrust(Path certDir) throws IOException, GeneralSecurityException {
        List<X509Certificate> chain = Certificates.readCertificates(certificate(certDir));
        return new PinnedTrustManager(chain.getFirst());
    }

    /** The one cipher suite the clients offer for {@code protocol}. */
    public static String clientCipherSuite(String protocol) {
        return protocol.equals("TLSv1.2") ? "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" : "TLS_AES_128_GCM_SHA256";
    }

    /**
     * A client engine for a full handshake. Made without a peer host and port, so the JDK has no key to look
     * up a cached session with: it never offers resumption (TLS 1.3 PSK, TLS 1.2 session id or ticket), and every
     * handshake is a full one. The server's identity is the pinned certificate, so no host name is checked.
     */
    public static SSLEngine clientEngine(SSLContext context, String protocol) {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(true);
        engine.setSSLParameters(clientParameters(engine.getSSLParameters(), protocol));
        return engine;
    }

    /** As {@link #clientEngine}, for a blocking socket (whose session may be resumed: for data, not handshakes). */
    public static void configure(SSLSocket socket, String protocol) {
        socket.setUseClientMode(true);
        socket.setSSLParameters(clientParameters(socket.getSSLParameters(), protocol));
    }

    private static SSLParameters clientParameters(SSLParameters p, String protocol) {
        p.setProtocols(new String[] {protocol});
        p.setCipherSuites(new String[] {clientCipherSuite(protocol)});
        // TLS 1.3: one key exchange group. The JDK client otherwise sends key shares for both x25519 and
        // secp256r1, and the P-256 key it makes for nothing costs the client (and so the server it shares the
        // cores with) about a tenth of its time per handshake; x25519 is also what OpenSSL, BoringSSL and rustls
        // clients use. TLS 1.2 has no key shares, but there the groups also say which curves the server's ECDSA
        // key may be on, so secp256r1 must be listed (after x25519, which the exchange then uses).
        p.setNamedGroups(protocol.equals("TLSv1.2") ? new String[] {KEY_EXCHANGE_GROUP, "secp256r1"}
                : new String[] {KEY_EXCHANGE_GROUP});
        return p;
    }
}
