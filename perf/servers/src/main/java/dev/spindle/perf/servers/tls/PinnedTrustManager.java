package dev.spindle.perf.servers.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Trusts exactly one certificate, the benchmark's, and counts the server certificates it was asked about.
 *
 * <p>Pinning is a real trust decision (a peer that presents any other certificate is refused), and it is what a
 * benchmark client should pay for: the engine still verifies the server's CertificateVerify signature with the
 * pinned key, but the client skips PKIX path building, which would otherwise be a large part of a Java client's
 * CPU per handshake on a two-core machine that the server shares.
 *
 * <p>The count proves that handshakes are full: in a resumed handshake the server sends no certificate (TLS
 * 1.3 PSK, TLS 1.2 abbreviated handshake), so this manager is not asked, and fewer checks than handshakes would
 * mean some were resumed.
 */
public final class PinnedTrustManager extends X509ExtendedTrustManager {
    private final X509Certificate pinned;
    private final AtomicLong serverChecks = new AtomicLong();

    PinnedTrustManager(X509Certificate pinned) {
        this.pinned = pinned;
    }

    /** Server certificates checked so far (one per full handshake). */
    public long serverChecks() {
        return serverChecks.get();
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        serverChecks.incrementAndGet();
        if (chain == null || chain.length == 0 || !chain[0].equals(pinned)) {
            throw new CertificateException("the server did not present the benchmark certificate");
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("benchmark clients present no certificate");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("benchmark clients present no certificate");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("benchmark clients present no certificate");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[] {pinned};
    }
}
