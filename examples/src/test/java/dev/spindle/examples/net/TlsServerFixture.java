package dev.spindle.examples.net;

import dev.spindle.SpindleRuntime;
import dev.spindle.tls.SelfSigned;
import dev.spindle.tls.TlsAcceptor;
import dev.spindle.tls.TlsEngine;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What a test class of the TLS example servers shares between its tests, registered as a static extension
 * ({@code @RegisterExtension static final TlsServerFixture TLS = new TlsServerFixture("prefix-")}): a self-signed
 * certificate for localhost, made once for the class, and a fresh two-worker runtime for every test (its threads
 * named with the given prefix), closed after the test.
 */
public class TlsServerFixture implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback {
    private final String threadNamePrefix;
    private SelfSigned cert;
    private SpindleRuntime rt;

    public TlsServerFixture(String threadNamePrefix) {
        this.threadNamePrefix = threadNamePrefix;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        cert = SelfSigned.generate(SelfSigned.KeyType.EC_P256, "localhost");
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        rt = SpindleRuntime.builder().workers(2).threadNamePrefix(threadNamePrefix).build();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (rt != null) {
            rt.close();
            rt = null;
        }
    }

    /** The current test's runtime. */
    public SpindleRuntime rt() {
        return rt;
    }

    /** The class's certificate, for localhost. */
    public SelfSigned cert() {
        return cert;
    }

    /** Writes {@link #cert()} and its key into {@code dir} as cert.pem and key.pem: a certificate directory. */
    public void writeCertDir(Path dir) throws IOException {
        cert.writeCertificatePem(dir.resolve("cert.pem"));
        cert.writePrivateKeyPem(dir.resolve("key.pem"));
    }

    /** A client context trusting exactly {@link #cert()}. */
    public SSLContext trust() {
        return cert.trustContext();
    }

    /** An acceptor presenting {@link #cert()}, with every other setting left to the caller. */
    public TlsAcceptor.Builder acceptor() {
        return TlsAcceptor.builder(cert.serverContext());
    }

    /**
     * An acceptor presenting {@link #cert()} on {@code engine} with only {@code protocol} enabled; the test is
     * skipped where {@code engine} is not available.
     */
    public TlsAcceptor.Builder acceptor(TlsEngine engine, String protocol) {
        assumeAvailable(engine);
        return acceptor().protocols(protocol).engine(engine);
    }

    /** Skips the test where {@code engine} is not available in this JVM. */
    public static void assumeAvailable(TlsEngine engine) {
        assumeTrue(engine.isAvailable(), () -> engine + " is not available in this JVM");
    }
}
