/**
 * Spindle TLS: {@code TlsStream} drives an {@code SSLEngine} over any Spindle {@code AsyncRead & AsyncWrite}
 * (a {@code TcpStream} in practice); {@code TlsConnector} and {@code TlsAcceptor} make one with a handshake;
 * {@code Certificates} and {@code SelfSigned} build {@code SSLContext}s from PEM, PKCS#12 or a certificate made
 * at run time. Bouncy Castle is used only to read and write certificates and keys, never as a JCA provider.
 * Conscrypt (BoringSSL) is optional: {@code TlsEngine.BORINGSSL} uses it when the application puts it on the
 * path; nothing else does.
 */
module dev.spindle.tls {
    requires transitive dev.spindle.io;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.provider;
    requires static org.conscrypt;

    exports dev.spindle.tls;
}
