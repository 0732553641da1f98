package dev.spindle.perf.servers.kit;

import dev.spindle.tls.Certificates;
import dev.spindle.tls.SelfSigned;
import dev.spindle.tls.TlsAcceptor;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.PrintStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

/**
 * The {@link TlsAcceptor} the command line of a TLS server asks for ({@link ServerCli.Kind#TLS} and
 * {@link ServerCli.Kind#TLS_RELAY}), shared by {@code TlsEchoServer}, {@code HttpsHelloServer} and
 * {@code TlsTerminatingProxy} so that all three treat {@code --cert-dir}, {@code --protocol}, {@code --engine} and
 * {@code --server-name} the same way.
 */
public final class TlsAcceptors {
    private TlsAcceptors() {
    }

    /**
     * The certificate and key of {@code tls} (or a fresh self-signed ECDSA P-256 pair for {@code localhost} and
     * {@code 127.0.0.1}, whose SHA-256 fingerprint goes to {@code notes}, so that whoever started the server can
     * check what a client is shown), the one protocol version, the engine, the ALPN protocols to select from
     * (none: no ALPN), and the certificates served by name ({@code --server-name}). Key material that cannot be read, or a BoringSSL engine that cannot load (no Conscrypt on
     * the class path, no native library for this platform), is a start-up failure with the reason, like a port
     * that is taken.
     */
    public static TlsAcceptor fromOptions(ServerCli.TlsOptions tls, PrintStream notes, String... alpn) throws IOException {
        SSLContext context;
        if (tls.selfSigned()) {
            SelfSigned generated = SelfSigned.generate(SelfSigned.KeyType.EC_P256, "localhost");
            notes.println("no --cert-dir: serving a self-signed certificate for " + generated.hostNames()
                    + " and 127.0.0.1, SHA-256 fingerprint " + fingerprint(generated.certificate()));
            context = generated.serverContext();
        } else {
            context = keyContext(tls.certificate(), tls.privateKey());
        }
        try {
            TlsAcceptor.Builder builder = TlsAcceptor.builder(context).protocols(tls.protocol()).engine(tls.engine());
            if (alpn.length > 0) {
                builder.alpn(alpn);
            }
            for (ServerCli.NamedCertificate named : tls.serverNames()) {
                SSLContext namedContext = keyContext(named.certificate(), named.privateKey());
                try {
                    builder.serverName(named.name(), namedContext);
                } catch (IllegalArgumentException e) {
                    throw new IOException("--server-name " + named.name() + ": " + e.getMessage(), e);
                }
            }
            return builder.build();
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new IOException("engine " + tls.engine() + ": " + e.getMessage(), e);
        }
    }

    private static SSLContext keyContext(java.nio.file.Path certificate, java.nio.file.Path privateKey)
            throws IOException {
        try {
            return Certificates.keyContext(certificate, privateKey);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use " + certificate + " and " + privateKey + ": " + e.getMessage(), e);
        }
    }

    /** The certificate's SHA-256 fingerprint as {@code openssl x509 -fingerprint -sha256} prints it. */
    public static String fingerprint(X509Certificate certificate) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (GeneralSecurityException e) {
            // SHA-256 is a required algorithm of every JDK and the certificate was just made: neither can fail.
            throw new IllegalStateException(e);
        }
    }
}
