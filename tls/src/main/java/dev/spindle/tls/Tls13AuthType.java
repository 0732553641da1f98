package dev.spindle.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

/**
 * A JDK trust manager made usable by BoringSSL in TLS 1.3.
 *
 * <p>A trust manager is told the key exchange ("auth type") so that it can check the leaf certificate's key
 * usage against it. TLS 1.3 negotiates the key exchange apart from the certificate, and the two engines say so
 * differently: the JDK's engine passes {@code "UNKNOWN"}, Conscrypt passes {@code "GENERIC"}. The JDK's PKIX
 * trust manager knows only the former and rejects any CA-issued leaf that has a key usage extension with
 * "Unknown authType: GENERIC" (a self-signed leaf that is itself trusted skips the check, which is why only real
 * chains show it). This wrapper translates {@code "GENERIC"} into {@code "UNKNOWN"} and passes every other
 * call through unchanged, including the {@code SSLEngine} that hostname verification needs.
 */
final class Tls13AuthType extends X509ExtendedTrustManager {
    private static final String CONSCRYPT_TLS13 = "GENERIC";
    private static final String JDK_TLS13 = "UNKNOWN";

    private final X509ExtendedTrustManager delegate;

    private Tls13AuthType(X509ExtendedTrustManager delegate) {
        this.delegate = delegate;
    }

    /**
     * {@code managers} with each X.509 trust manager wrapped; {@code null} (the JDK's default trust store, which
     * Conscrypt would also take from the JDK, with the same problem) becomes the defaults, wrapped.
     */
    static TrustManager[] adapt(TrustManager[] managers) throws GeneralSecurityException {
        if (managers == null) {
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init((KeyStore) null);
            managers = f.getTrustManagers();
        }
        TrustManager[] out = managers.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] instanceof X509ExtendedTrustManager x) {
                out[i] = new Tls13AuthType(x);
            } else if (out[i] instanceof X509TrustManager x) {
                out[i] = new Tls13AuthType(new Extended(x));
            }
        }
        return out;
    }

    private static String jdkName(String authType) {
        return CONSCRYPT_TLS13.equals(authType) ? JDK_TLS13 : authType;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate.checkClientTrusted(chain, jdkName(authType), socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate.checkServerTrusted(chain, jdkName(authType), socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        delegate.checkClientTrusted(chain, jdkName(authType), engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        delegate.checkServerTrusted(chain, jdkName(authType), engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkClientTrusted(chain, jdkName(authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkServerTrusted(chain, jdkName(authType));
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }

    /** A plain X509TrustManager seen as an extended one (the socket or engine is dropped, as the JDK does). */
    private static final class Extended extends X509ExtendedTrustManager {
        private final X509TrustManager plain;

        Extended(X509TrustManager plain) {
            this.plain = plain;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            plain.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            plain.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            plain.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            plain.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            plain.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            plain.checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return plain.getAcceptedIssuers();
        }
    }
}
