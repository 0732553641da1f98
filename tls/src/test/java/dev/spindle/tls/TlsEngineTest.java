package dev.spindle.tls;

import dev.spindle.JoinHandle;
import dev.spindle.SpindleRuntime;
import dev.spindle.TaskFailedException;
import dev.spindle.io.Io;
import dev.spindle.net.TcpListener;
import dev.spindle.net.TcpStream;
import org.conscrypt.Conscrypt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.spindle.tls.TlsTestSupport.ANY_LOOPBACK;
import static dev.spindle.tls.TlsTestSupport.SERVER;
import static dev.spindle.tls.TlsTestSupport.acceptTls;
import static dev.spindle.tls.TlsTestSupport.connectTls;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Choosing the engine: what {@code engine(TlsEngine.BORINGSSL)} needs (key material it can see), what it makes,
 * and that every BoringSSL engine's native state is freed when its stream is closed.
 */
@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TlsEngineTest {
    private SpindleRuntime rt;

    @BeforeEach
    void start() {
        rt = TlsTestSupport.runtime("tls-engine-" + System.nanoTime() + "-");
    }

    @AfterEach
    void stop() {
        rt.close();
    }

    @Test
    void boringSslIsAvailableHereAndMakesConscryptEngines() throws Exception {
        assertThat(TlsEngine.JDK.isAvailable()).isTrue();
        assertThat(TlsEngine.BORINGSSL.isAvailable()).as(BoringSsl.unavailableReason()).isTrue();
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            JoinHandle<TlsStream<TcpStream>> server = rt.spawn(acceptTls(l, TlsTestSupport.acceptor(TlsEngine.BORINGSSL)));
            TlsStream<TcpStream> client = rt.blockOn(connectTls(l.localAddress().getPort(),
                    TlsTestSupport.connector(TlsEngine.JDK)));
            TlsStream<TcpStream> s = server.join(Duration.ofSeconds(10));
            assertThat(s.protocol()).isEqualTo("TLSv1.3");
            assertThat(s.session().getClass().getName()).as("a Conscrypt session").startsWith("org.conscrypt.");
            assertThat(client.session().getClass().getName()).startsWith("sun.security.ssl.");
            client.close();
            s.close();
            assertThat(s.protocol()).as("readable after close").isEqualTo("TLSv1.3");
        }
    }

    @Test
    void aJdkContextNotBuiltByCertificatesIsRefusedWithWhatToDo() throws Exception {
        SSLContext plain = SSLContext.getInstance("TLS");
        plain.init(null, null, null);
        assertThatThrownBy(() -> TlsConnector.builder(plain).engine(TlsEngine.BORINGSSL).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not reveal its key and trust managers")
                .hasMessageContaining("Certificates.contextBuilder()");
        assertThatThrownBy(() -> TlsAcceptor.builder(SSLContext.getDefault()).engine(TlsEngine.BORINGSSL).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(TlsConnector.builder(plain).build()).as("the JDK engine takes any context").isNotNull();
        assertThat(TlsConnector.builder(plain).engine(TlsEngine.BORINGSSL).engine(TlsEngine.JDK).build())
                .as("the last choice wins").isNotNull();
    }

    @Test
    void aConscryptContextIsUsedAsItIs() throws Exception {
        SSLContext conscrypt = SSLContext.getInstance("TLS", Conscrypt.newProvider());
        conscrypt.init(null, null, null);
        assertThat(BoringSsl.contextFor(conscrypt)).isSameAs(conscrypt);
        SSLContext ours = SERVER.trustContext();
        assertThat(BoringSsl.contextFor(ours)).as("one BoringSSL context per context: one session cache")
                .isSameAs(BoringSsl.contextFor(ours));
        assertThat(Conscrypt.isConscrypt(BoringSsl.contextFor(ours))).isTrue();
    }

    /** Key and trust managers of the caller's own making work with both engines, and mutual TLS with them. */
    @Test
    void ownKeyAndTrustManagersWorkWithBothEngines() throws Exception {
        char[] pw = "pw".toCharArray();
        KeyManagerFactory serverKeys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        serverKeys.init(SERVER.keyStore(pw), pw);
        KeyManagerFactory clientKeys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        clientKeys.init(TlsTestSupport.CLIENT.keyStore(pw), pw);
        SSLContext serverCtx = Certificates.contextBuilder().keyManagers(serverKeys.getKeyManagers())
                .trustManagers(trusting(TlsTestSupport.CLIENT).getTrustManagers()).build();
        SSLContext clientCtx = Certificates.contextBuilder().keyManagers(clientKeys.getKeyManagers())
                .trustManagers(trusting(SERVER).getTrustManagers()).build();
        for (TlsEngine serverEngine : TlsEngine.values()) {
            for (TlsEngine clientEngine : TlsEngine.values()) {
                TlsAcceptor acceptor = TlsAcceptor.builder(serverCtx).engine(serverEngine).clientAuth(ClientAuth.NEED).build();
                TlsConnector connector = TlsConnector.builder(clientCtx).engine(clientEngine).build();
                try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
                    JoinHandle<TlsStream<TcpStream>> server = rt.spawn(acceptTls(l, acceptor));
                    TlsStream<TcpStream> client = rt.blockOn(connectTls(l.localAddress().getPort(), connector));
                    TlsStream<TcpStream> s = server.join(Duration.ofSeconds(10));
                    rt.blockOn(Io.writeAll(client, ByteBuffer.wrap(new byte[]{42})));
                    ByteBuffer one = ByteBuffer.allocate(1);
                    rt.blockOn(Io.readExact(s, one));
                    assertThat(one.get(0)).as(serverEngine + " server, " + clientEngine + " client").isEqualTo((byte) 42);
                    assertThat(s.peerCertificates()).containsExactly(TlsTestSupport.CLIENT.certificate());
                    assertThat(client.peerCertificates()).containsExactly(SERVER.certificate());
                    client.close();
                    s.close();
                }
            }
        }
    }

    @Test
    void trustedCertificatesAndOwnTrustManagersCannotBeCombined() throws Exception {
        Certificates.ContextBuilder b = Certificates.contextBuilder().trust(SERVER)
                .trustManagers(trusting(SERVER).getTrustManagers());
        assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot be combined");
    }

    private static TrustManagerFactory trusting(SelfSigned cert) throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("trusted", cert.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ts);
        return tmf;
    }

    /**
     * 2,000 connections opened and closed, half after a clean shutdown, 20 with the handshake failing: every
     * engine is released exactly once, and its native SSL object is freed (Conscrypt's {@code NativeSsl}, read
     * through reflection because Conscrypt has no public way to ask; if its internals change, this says so).
     */
    @Test
    void everyBoringSslEngineIsFreedWhenItsStreamIsClosed() throws Exception {
        Map<SSLEngine, AtomicInteger> released = new ConcurrentHashMap<>();
        EngineFactory counting = new EngineFactory() {
            @Override
            public SSLEngine create(SSLContext context, String peerHost, int peerPort) {
                SSLEngine e = BoringSsl.FACTORY.create(context, peerHost, peerPort);
                released.put(e, new AtomicInteger());
                return e;
            }

            @Override
            public void release(SSLEngine engine) {
                released.get(engine).incrementAndGet();
                BoringSsl.FACTORY.release(engine);
            }
        };
        TlsAcceptor acceptor = TlsAcceptor.builder(BoringSsl.contextFor(SERVER.serverContext())).engineFactory(counting).build();
        TlsConnector connector = TlsConnector.builder(BoringSsl.contextFor(SERVER.trustContext())).engineFactory(counting).build();
        TlsConnector untrusting = TlsConnector.builder(BoringSsl.contextFor(TlsTestSupport.IMPOSTOR.trustContext()))
                .engineFactory(counting).build();
        int connections = 2000;
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            int port = l.localAddress().getPort();
            for (int i = 0; i < connections; i++) {
                boolean fail = i % 100 == 99; // 20 handshakes fail: the untrusted server is refused
                JoinHandle<TlsStream<TcpStream>> server = rt.spawn(acceptTls(l, acceptor));
                if (fail) {
                    // The client refuses the server's certificate (the connector's promise: the handshake fails
                    // with an SSLHandshakeException naming the peer), and the server sees its handshake fail.
                    assertThatThrownBy(() -> rt.blockOn(connectTls(port, untrusting))).as("untrusted server")
                            .isInstanceOf(TaskFailedException.class)
                            .cause().isInstanceOf(UncheckedIOException.class)
                            .hasMessageContaining("TLS handshake with localhost")
                            .cause().isInstanceOf(SSLHandshakeException.class);
                    assertThatThrownBy(() -> server.join(Duration.ofSeconds(10))).as("the server's side")
                            .isInstanceOf(TaskFailedException.class)
                            .rootCause().isInstanceOf(SSLException.class);
                    continue;
                }
                TlsStream<TcpStream> client = rt.blockOn(connectTls(port, connector));
                TlsStream<TcpStream> s = server.join(Duration.ofSeconds(10));
                if (i % 2 == 0) {
                    rt.blockOn(Io.shutdown(client));
                    assertThat(rt.blockOn(TlsTestSupport.readAll(s))).isEmpty();
                }
                client.close();
                s.close();
            }
        }
        assertThat(released).hasSize(2 * connections);
        Map<String, Integer> notFreed = new TreeMap<>(); // kind of engine -> how many, for a readable failure
        for (Map.Entry<SSLEngine, AtomicInteger> e : released.entrySet()) {
            SSLEngine engine = e.getKey();
            assertThat(e.getValue().get()).as("released exactly once").isEqualTo(1);
            if (!nativeSslClosed(engine)) {
                notFreed.merge((engine.getUseClientMode() ? "client" : "server") + ", inbound done "
                        + engine.isInboundDone() + ", outbound done " + engine.isOutboundDone(), 1, Integer::sum);
            }
        }
        assertThat(notFreed).as("engines whose native SSL object was not freed").isEmpty();
    }

    /**
     * Conscrypt copies heap buffers through a direct one; left to itself each engine keeps one for life (its
     * {@code lazyDirectBuffer}), a record's worth of native memory per idle connection. Ours lend one per call.
     */
    @Test
    void aBoringSslConnectionKeepsNoDirectBufferBetweenCalls() throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            JoinHandle<Long> server = rt.spawn(acceptTls(l, TlsTestSupport.acceptor(TlsEngine.BORINGSSL)).flatMap(TlsTestSupport::echo));
            TlsStream<TcpStream> client = rt.blockOn(connectTls(l.localAddress().getPort(), TlsTestSupport.connector(TlsEngine.BORINGSSL)));
            byte[] data = new byte[50_000];
            rt.blockOn(Io.writeAll(client, ByteBuffer.wrap(data)));
            rt.blockOn(Io.readExact(client, ByteBuffer.allocate(data.length)));
            Object engine = field(client.engine(), "delegate");
            assertThat(field(engine, "lazyDirectBuffer")).as("the engine's own direct buffer").isNull();
            assertThat(field(engine, "bufferAllocator")).isSameAs(BoringSsl.Bridge.LentDirectBuffers.INSTANCE);
            rt.blockOn(Io.shutdown(client));
            assertThat(server.join(Duration.ofSeconds(10))).isEqualTo(data.length);
            client.close();
        }
        var pool = BoringSsl.Bridge.LentDirectBuffers.INSTANCE;
        var lent = pool.allocateDirectBuffer(1000);
        assertThat(lent.nioBuffer().isDirect()).isTrue();
        assertThat(lent.nioBuffer().remaining()).isEqualTo(1000);
        int before = pool.cachedOnThisThread();
        lent.release();
        lent.release(); // a second release must not put it in the cache twice
        assertThat(pool.cachedOnThisThread()).isEqualTo(Math.min(before + 1, 4));
        assertThat(pool.allocateDirectBuffer(500)).as("reused, no allocation").isSameAs(lent);
    }

    /** Conscrypt's {@code Java8EngineWrapper.delegate} (a {@code ConscryptEngine}), its {@code ssl}, {@code isClosed()}. */
    private static boolean nativeSslClosed(SSLEngine wrapper) throws Exception {
        Object engine = field(wrapper, "delegate");
        Object ssl = field(engine, "ssl");
        Method isClosed = ssl.getClass().getDeclaredMethod("isClosed");
        isClosed.setAccessible(true);
        return (boolean) isClosed.invoke(ssl);
    }

    private static Object field(Object o, String name) throws Exception {
        for (Class<?> c = o.getClass(); c != null; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.getName().equals(name)) {
                    f.setAccessible(true);
                    return f.get(o);
                }
            }
        }
        throw new AssertionError("Conscrypt's internals changed: no field " + name + " in " + o.getClass()
                + " (fields: " + List.of(o.getClass().getDeclaredFields()) + "); update nativeSslClosed()");
    }

    @Test
    void boringSslErrorCodesAreTranslatedIntoTheWordsOfTheJdkEngine() {
        SSLException alert = new javax.net.ssl.SSLProtocolException("Read error: ssl=0x7f6a6c00c888: Failure in SSL"
                + " library, usually a protocol error\nerror:1000045c:SSL routines:OPENSSL_internal:"
                + "TLSV1_ALERT_CERTIFICATE_REQUIRED (/__w/_temp/boringssl/ssl/tls_record.cc:491 0x7f6a5c0fdbd0:0x00000003)");
        SSLException clear = BoringSsl.clarify(alert);
        assertThat(clear).isInstanceOf(javax.net.ssl.SSLProtocolException.class).hasCause(alert)
                .hasMessage("(certificate_required) Received fatal alert: certificate_required"
                        + " (BoringSSL TLSV1_ALERT_CERTIFICATE_REQUIRED)");
        SSLException local = new javax.net.ssl.SSLHandshakeException("SSL handshake terminated: ssl=0x1: Failure in SSL"
                + " library\nerror:10000f0:SSL routines:OPENSSL_internal:UNSUPPORTED_PROTOCOL (x.cc:1 0x0:0x0)");
        assertThat(BoringSsl.clarify(local)).isInstanceOf(javax.net.ssl.SSLHandshakeException.class)
                .hasMessage("BoringSSL: unsupported protocol (UNSUPPORTED_PROTOCOL)");
        SSLException jdk = new SSLException("(bad_record_mac) Received fatal alert: bad_record_mac");
        assertThat(BoringSsl.clarify(jdk)).as("other engines' messages are left alone").isSameAs(jdk);
    }

    @Test
    void conscryptsTls13AuthTypeReachesJdkTrustManagersAsTheJdkEngineNamesIt() throws Exception {
        List<String> seen = new java.util.ArrayList<>();
        javax.net.ssl.X509TrustManager recording = new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                seen.add("client " + authType);
            }

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                seen.add("server " + authType);
            }

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        };
        var adapted = (javax.net.ssl.X509ExtendedTrustManager) Tls13AuthType.adapt(new javax.net.ssl.TrustManager[]{recording})[0];
        var chain = new java.security.cert.X509Certificate[]{SERVER.certificate()};
        adapted.checkServerTrusted(chain, "GENERIC", (SSLEngine) null);
        adapted.checkClientTrusted(chain, "GENERIC", (SSLEngine) null);
        adapted.checkServerTrusted(chain, "ECDHE_ECDSA", (SSLEngine) null);
        assertThat(seen).containsExactly("server UNKNOWN", "client UNKNOWN", "server ECDHE_ECDSA");
        assertThat(Tls13AuthType.adapt(null)).as("the JDK's default trust store, adapted").isNotEmpty()
                .allMatch(tm -> tm instanceof Tls13AuthType);
    }

    @Test
    void cipherSuitesBoringSslWouldIgnoreAreRefusedWithWhatToDo() {
        TlsConnector.Builder oneTls13Suite = TlsConnector.builder(SERVER.trustContext()).engine(TlsEngine.BORINGSSL)
                .cipherSuites("TLS_AES_256_GCM_SHA384");
        assertThatThrownBy(oneTls13Suite::build).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot leave out [TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256]")
                .hasMessageContaining("TlsEngine.JDK");
        TlsAcceptor.Builder onlyTls12Suites = TlsAcceptor.builder(SERVER.serverContext()).engine(TlsEngine.BORINGSSL)
                .cipherSuites("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
        assertThatThrownBy(onlyTls12Suites::build).as("TLS 1.3 would still be negotiated with all its suites")
                .isInstanceOf(IllegalArgumentException.class);
        // Fine: TLS 1.2 only, or all three TLS 1.3 suites, or the JDK engine.
        TlsConnector.builder(SERVER.trustContext()).engine(TlsEngine.BORINGSSL).protocols("TLSv1.2")
                .cipherSuites("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256").build();
        TlsConnector.builder(SERVER.trustContext()).engine(TlsEngine.BORINGSSL).cipherSuites("TLS_AES_128_GCM_SHA256",
                "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256").build();
        TlsConnector.builder(SERVER.trustContext()).cipherSuites("TLS_AES_256_GCM_SHA384").build();
    }
}
