package dev.spindle.tls.it;

import dev.spindle.SpindleRuntime;
import dev.spindle.testing.peers.Output;
import dev.spindle.testing.peers.Peers;
import dev.spindle.tls.ClientAuth;
import dev.spindle.tls.TlsAcceptor;
import dev.spindle.tls.it.SpindleTlsServer.Report;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static dev.spindle.tls.it.Interop.CLIENT;
import static dev.spindle.tls.it.Interop.SERVER_EC;
import static dev.spindle.tls.it.Interop.SERVER_RSA;
import static dev.spindle.tls.it.Interop.context;
import static dev.spindle.tls.it.Interop.count;
import static dev.spindle.tls.it.Interop.countMatches;
import static dev.spindle.tls.it.Interop.messages;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code openssl s_client} (OpenSSL 3.0) against Spindle servers ({@link SpindleTlsServer}): what OpenSSL
 * negotiated and printed is compared with what the Spindle side reports.
 *
 * <ul>
 *   <li>TLS 1.2 and 1.3 with the suites s_client is restricted to, ECDSA and RSA server certificates that
 *       s_client verifies against our CA and the host name; the echoed line comes back, and the session ends
 *       with our close_notify, answered by s_client's (the server reads a clean end of stream).</li>
 *   <li>ALPN as we select it: the server's preference wins; a client offering nothing we speak gets the
 *       no_application_protocol alert.</li>
 *   <li>SNI: the name s_client sends is what {@code sniHostName()} reports; none with {@code -noservername}.</li>
 *   <li>Client certificates required by us: accepted from our CA, refused (with an alert s_client prints)
 *       from an impostor CA or when missing.</li>
 *   <li>TLS 1.3 KeyUpdate: s_client's {@code k} (update its keys) and {@code K} (and ask us to update ours)
 *       between lines of data; every line is echoed intact and, for {@code K}, s_client receives our
 *       KeyUpdate ({@code -msg} traces both directions). TLS 1.2 renegotiation started by s_client's
 *       {@code R}, likewise.</li>
 *   <li>4 MiB through {@code s_client -quiet}, checked by sha256 on both sides.</li>
 * </ul>
 */
@Timeout(value = 60, unit = SECONDS)
class OpensslClientIT {
    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(45);
    /** A line to echo: distinctive, so finding it in s_client's output means the echo came back. */
    private static final String PING = "ping-7f3a\n";
    /** Echoes the ping, then ends the session with close_notify (s_client -ign_eof would never end it). */
    private static final SpindleTlsServer.Mode ECHO_PING = SpindleTlsServer.echoThenClose(PING.length());
    private static final String VERIFY = " -CAfile /peer/ca.pem -verify_return_error -verify_hostname localhost";

    private static SpindleRuntime rt;

    @BeforeAll
    static void start() {
        Peers.requireDocker();
        rt = Interop.runtime("openssl-client-it");
    }

    @AfterAll
    static void stop() {
        if (rt != null) {
            rt.close();
        }
    }

    private static String sClient(int port, String options, String stdinScript) {
        return stdinScript + " | openssl s_client -connect 127.0.0.1:" + port + VERIFY + " " + options
                + " 2>&1; echo EXIT $?";
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "TLSv1.3, TLS_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256, EC",
            "TLSv1.3, TLS_AES_256_GCM_SHA384, TLS_AES_256_GCM_SHA384, RSA",
            "TLSv1.3, TLS_CHACHA20_POLY1305_SHA256, TLS_CHACHA20_POLY1305_SHA256, EC",
            "TLSv1.2, ECDHE-ECDSA-AES256-GCM-SHA384, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, EC",
            "TLSv1.2, ECDHE-ECDSA-CHACHA20-POLY1305, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, EC",
            "TLSv1.2, ECDHE-RSA-AES128-GCM-SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, RSA"})
    void negotiatesWhatTheClientAsksForAndEchoes(String protocol, String opensslName, String jdkName, String keyType)
            throws Exception {
        TlsAcceptor acceptor = TlsAcceptor.builder(context(keyType.equals("EC") ? SERVER_EC : SERVER_RSA)).build();
        String line = "hello from s_client\n";
        var mode = SpindleTlsServer.echoThenClose(line.length());
        try (SpindleTlsServer server = SpindleTlsServer.start(rt, acceptor, mode)) {
            String restrict = protocol.equals("TLSv1.3") ? "-tls1_3 -ciphersuites " + opensslName
                    : "-tls1_2 -cipher " + opensslName;
            // -ign_eof: s_client does not end the session at the end of its input; our close_notify ends it.
            String out = Peers.runToCompletion(sClient(server.port(), restrict + " -servername localhost -ign_eof",
                    "printf 'hello from s_client\\n'"), PEER_TIMEOUT, Interop.pkiFiles());
            assertThat(out).as(out)
                    .contains("Protocol  : " + protocol)
                    .contains("Cipher    : " + opensslName)
                    .contains("Verify return code: 0 (ok)")
                    .contains("hello from s_client")
                    .contains("EXIT 0");
            Report r = server.next().assertOk();
            assertThat(r.protocol()).isEqualTo(protocol);
            assertThat(r.cipherSuite()).isEqualTo(jdkName);
            assertThat(r.sni()).contains("localhost");
            assertThat(r.receivedText()).isEqualTo(line);
            assertThat(r.cleanEof()).as("s_client answered our close_notify with its own").isTrue();
        }
    }

    @ParameterizedTest(name = "offered {0}")
    @CsvSource(delimiter = ';', value = {
            "http/1.1,h2; h2", // our preference (h2 first) wins over the client's order
            "http/1.1; http/1.1",
            "-; none"})
    void alpnIsWhatWeSelect(String offered, String expected) throws Exception {
        TlsAcceptor acceptor = TlsAcceptor.builder(context(SERVER_EC)).alpn("h2", "http/1.1").build();
        try (SpindleTlsServer server = SpindleTlsServer.start(rt, acceptor, ECHO_PING)) {
            String alpn = offered.equals("-") ? "" : " -alpn " + offered;
            String out = Peers.runToCompletion(sClient(server.port(), "-ign_eof" + alpn, "printf '" + PING + "'"),
                    PEER_TIMEOUT, Interop.pkiFiles());
            assertThat(out).as(out)
                    .contains(expected.equals("none") ? "No ALPN negotiated" : "ALPN protocol: " + expected)
                    .contains("EXIT 0");
            Report r = server.next().assertOk();
            assertThat(r.alpn().orElse("none")).isEqualTo(expected);
        }
    }

    @Test
    void noCommonAlpnProtocolIsRefusedWithAnAlert() throws Exception {
        TlsAcceptor acceptor = TlsAcceptor.builder(context(SERVER_EC)).alpn("h2", "http/1.1").build();
        try (SpindleTlsServer server = SpindleTlsServer.start(rt, acceptor, SpindleTlsServer.echo())) {
            String out = Peers.runToCompletion(sClient(server.port(), "-alpn spdy/3.1", "true"), PEER_TIMEOUT,
                    Interop.pkiFiles());
            assertThat(out).as(out).contains("alert no application protocol").doesNotContain("EXIT 0");
            Report r = server.next();
            assertThat(r.failure()).as("the handshake must fail").isNotNull();
            assertThat(messages(r.failure())).contains("no_application_protocol");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {"-servername sni.test; sni.test", "-noservername; none"})
    void theServerSeesTheNameTheClientSent(String option, String expected) throws Exception {
        TlsAcceptor acceptor = TlsAcceptor.builder(context(SERVER_EC)).build();
        try (SpindleTlsServer server = SpindleTlsServer.start(rt, acceptor, ECHO_PING)) {
            String out = Peers.runToCompletion(sClient(server.port(), option + " -ign_eof", "printf '" + PING + "'"),
                    PEER_TIMEOUT, Interop.pkiFiles());
            assertThat(out).as(out).contains("EXIT 0");
            assertThat(server.next().assertOk().sni().orElse("none")).isEqualTo(expected);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void aClientCertificateFromTheTrustedCaIsAccepted(String protocol) throws Exception {
        TlsAcceptor acceptor = TlsAcceptor.builder(context(SERVER_EC)).clientAuth(ClientAuth.NEED).build();
        try (SpindleTlsServer server = SpindleTlsServer.start(rt, acceptor, ECHO_PING)) {
            String version = protocol.equals("TLSv1.3") ? "-tls1_3" : "-tls1_2";
            String out = Peers.runToCompletion(sClient(server.port(),
                    version + " -cert /peer/client.pem -key /peer/client.key -ign_eof", "printf '" + PING + "'"),
                    PEER_TIMEOUT, Interop.pkiFiles());
            assertThat(out).as(out).contains(PING.strip()).contains("EXIT 0");
            Report r = server.next().assertOk();
            assertThat(r.protocol()).isEqualTo(protocol);
            // s_client sends the chain it builds from -CAfile: our CA's certificate follows the client's.
            assertThat(r.peerCertificates().getFirst()).isEqualTo(CLIENT.certificate());
        }
    }

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({
            "TLSv1.2, impostor, Path does not chain with any of the trust anchors",
            "TLSv1.3, impostor, Path does not chain with any of the trust anchors",
            "TLSv1.2, none, Empty client certificate chain",
            "TLSv1.3, none, Empty client certificate chain"})
    void aBadOrMissingClientCertificateIsRefused(String protocol, String certificate, String reason) throws Exception {
        TlsAcceptor acceptor = TlsAcceptor.builder(context(SERVER_EC)).clientAuth(ClientAuth.NEED).build();
        try (SpindleTlsServer server = SpindleTlsServer.start(rt, acceptor, SpindleTlsServer.echo())) {
            String version = protocol.equals("TLSv1.3") ? "-tls1_3" : "-tls1_2";
            String cert = certificate.equals("none") ? ""
                    : " -cert /peer/impostor-client.pem -key /peer/impostor-client.key";
            // -ign_eof: in TLS 1.3 s_client's handshake is over before we check its certificate; it must stay to
            // read our alert instead of closing at the end of its input.
            String out = Peers.runToCompletion(sClient(server.port(), version + cert + " -ign_eof",
                    "printf '" + PING + "'"), PEER_TIMEOUT, Interop.pkiFiles());
            Report r = server.next();
            assertThat(r.failure()).as("the handshake must fail").isNotNull();
            assertThat(messages(r.failure())).contains(SSLHandshakeException.class.getName()).contains(reason);
            assertThat(out).as(out).containsPattern("SSL alert number \\d+").doesNotContain(PING.strip());
        }
    }

    /**
     * s_client reads a command letter only at the start of a read from its input and then drops the rest of that
     * read, so the script writes into a FIFO one step at a time, waiting for the previous step's effect (the
     * echoed line in s_client's output, or its KEYUPDATE / RENEGOTIATING notice) before the next. With
     * {@code -brief} s_client prints its notices to stderr and nothing but the received data to stdout (which
     * {@code -quiet} would do too, but it also turns the command letters off); {@code -msg -msgfile} writes the
     * trace of every TLS message to a third file. The script prints them as {@code ERR}, {@code DATA} (the
     * SHA-256 of stdout) and {@code MSG} sections.
     */
    private static String interactive(int port, String options, String... steps) {
        StringBuilder sb = new StringBuilder(String.join("\n",
                "set -e",
                // waits until $1 is a whole line of file $3, $2 times; 10 s at most
                "w() { i=0; until [ \"$(grep -cxF -- \"$1\" \"$3\")\" -ge \"$2\" ]; do i=$((i+1));"
                        + " if [ $i -gt 200 ]; then echo \"TIMEOUT waiting for $1\"; cat /data/err; exit 1; fi;"
                        + " sleep 0.05; done; }",
                "out() { w \"$1\" \"${2:-1}\" /data/out; }",
                "err() { w \"$1\" \"${2:-1}\" /data/err; }",
                "mkfifo /data/in",
                "openssl s_client -connect 127.0.0.1:" + port + VERIFY + " " + options
                        + " -brief -msg -msgfile /data/msg < /data/in > /data/out 2> /data/err &",
                "client=$!",
                "exec 3> /data/in"));
        for (String step : steps) {
            sb.append('\n').append(step);
        }
        // The end of the FIFO is s_client's end of input: it sends close_notify and exits.
        sb.append("""

                exec 3>&-
                set +e
                wait $client
                echo EXIT $?
                echo ERR; cat /data/err
                echo DATA $(sha256sum < /data/out | cut -d' ' -f1)
                echo MSG; cat /data/msg
                """);
        return sb.toString();
    }

    @Test
    void keyUpdatesInBothDirectionsKeepTheEchoIntact() throws Exception {
        TlsAcceptor acceptor = TlsAcceptor.builder(context(SERVER_EC)).protocols("TLSv1.3").build();
        String big = "0123456789".repeat(3000); // 30,000 bytes: several records, more than one read of s_client
        try (SpindleTlsServer server = SpindleTlsServer.start(rt, acceptor, SpindleTlsServer.echo())) {
            String out = Peers.runToCompletion(interactive(server.port(), "-tls1_3",
                    "printf 'alpha\\n' >&3; out alpha",
                    "printf 'K\\n' >&3; err KEYUPDATE", // update s_client's keys and request that we update ours
                    "printf 'beta\\n' >&3; out beta",
                    "printf '" + big + "\\n' >&3; out " + big,
                    "printf 'k\\n' >&3; err KEYUPDATE 2", // update s_client's keys only
                    "printf 'gamma\\n' >&3; out gamma"), PEER_TIMEOUT, Interop.pkiFiles());
            String sent = "alpha\nbeta\n" + big + "\ngamma\n";
            assertThat(Output.value(out, "EXIT")).as(out).isEqualTo("0");
            assertThat(Output.value(out, "DATA")).as("s_client received exactly what it sent")
                    .isEqualTo(Payload.sha256(sent.getBytes(StandardCharsets.US_ASCII)));
            assertThat(count(out, ">>> TLS 1.3, Handshake [length 0005], KeyUpdate")).as("sent by s_client")
                    .isEqualTo(2);
            assertThat(count(out, "<<< TLS 1.3, Handshake [length 0005], KeyUpdate"))
                    .as("our answer to the update_requested KeyUpdate, and no other").isEqualTo(1);
            Report r = server.next().assertOk();
            assertThat(r.receivedText()).isEqualTo(sent);
            assertThat(r.cleanEof()).as("s_client ends with close_notify").isTrue();
        }
    }

    @Test
    void renegotiationStartedByTheClientKeepsTheEchoIntact() throws Exception {
        TlsAcceptor acceptor = TlsAcceptor.builder(context(SERVER_EC)).protocols("TLSv1.2").build();
        try (SpindleTlsServer server = SpindleTlsServer.start(rt, acceptor, SpindleTlsServer.echo())) {
            String out = Peers.runToCompletion(interactive(server.port(), "-tls1_2",
                    "printf 'alpha\\n' >&3; out alpha",
                    "printf 'R\\n' >&3; err RENEGOTIATING",
                    "printf 'beta\\n' >&3; out beta"), PEER_TIMEOUT, Interop.pkiFiles());
            assertThat(Output.value(out, "EXIT")).as(out).isEqualTo("0");
            assertThat(Output.value(out, "DATA"))
                    .isEqualTo(Payload.sha256("alpha\nbeta\n".getBytes(StandardCharsets.US_ASCII)));
            assertThat(countMatches(out, ">>> TLS 1.2, Handshake \\[length [0-9a-f]+\\], ClientHello"))
                    .as("the first handshake and the renegotiation: " + out).isEqualTo(2);
            assertThat(countMatches(out, "<<< TLS 1.2, Handshake \\[length [0-9a-f]+\\], Finished"))
                    .as("our Finished, once per handshake").isEqualTo(2);
            Report r = server.next().assertOk();
            assertThat(r.receivedText()).isEqualTo("alpha\nbeta\n");
            assertThat(r.cleanEof()).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void fourMebibytesThroughSClientQuietComeBackIntact(String protocol) throws Exception {
        int size = 4 << 20;
        TlsAcceptor acceptor = TlsAcceptor.builder(context(SERVER_EC)).protocols(protocol).build();
        try (SpindleTlsServer server = SpindleTlsServer.start(rt, acceptor, SpindleTlsServer.echoThenClose(size))) {
            String out = Peers.runToCompletion(String.join("\n",
                    "head -c " + size + " /dev/urandom > /data/in",
                    "echo IN $(sha256sum < /data/in | cut -d' ' -f1)",
                    // -quiet implies -ign_eof: the session ends with our close_notify after the last byte.
                    "openssl s_client -connect 127.0.0.1:" + server.port() + VERIFY + " -quiet < /data/in > /data/out",
                    "echo EXIT $?",
                    "echo OUT $(sha256sum < /data/out | cut -d' ' -f1)",
                    "echo SIZE $(stat -c %s /data/out)"), PEER_TIMEOUT, Interop.pkiFiles());
            assertThat(Output.value(out, "EXIT")).as(out).isEqualTo("0");
            assertThat(Output.value(out, "SIZE")).as(out).isEqualTo(Integer.toString(size));
            assertThat(Output.value(out, "OUT")).as(out).isEqualTo(Output.value(out, "IN"));
            Report r = server.next().assertOk();
            assertThat(r.protocol()).isEqualTo(protocol);
            assertThat(r.receivedSha256()).isEqualTo(Output.value(out, "IN"));
            assertThat(r.cleanEof()).as("s_client answered our close_notify").isTrue();
        }
    }
}
