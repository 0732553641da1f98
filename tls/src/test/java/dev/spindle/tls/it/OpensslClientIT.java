package dev.spindle.tls.it;

import dev.spindle.testing.peers.Output;
import dev.spindle.tls.ClientAuth;
import dev.spindle.tls.TlsAcceptor;
import dev.spindle.tls.TlsEngine;
import dev.spindle.tls.it.SpindleTlsServer.Report;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLHandshakeException;
import java.nio.charset.StandardCharsets;

import static dev.spindle.tls.it.Interop.CLIENT;
import static dev.spindle.tls.it.Interop.SERVER_EC;
import static dev.spindle.tls.it.Interop.SERVER_RSA;
import static dev.spindle.tls.it.Interop.acceptor;
import static dev.spindle.tls.it.Interop.count;
import static dev.spindle.tls.it.Interop.countMatches;
import static dev.spindle.tls.it.Interop.messages;
import static dev.spindle.tls.it.Interop.noClientCertificate;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code openssl s_client} (OpenSSL 3.0) against Spindle servers ({@link SpindleTlsServer}) on each engine: what
 * OpenSSL negotiated and printed is compared with what the Spindle side reports.
 *
 * <ul>
 *   <li>TLS 1.2 and 1.3 with the suites s_client is restricted to, ECDSA and RSA server certificates that
 *       s_client verifies against our CA and the host name; the echoed line comes back, and the session ends
 *       with our close_notify, answered by s_client's (the server reads a clean end of stream).</li>
 *   <li>ALPN as we select it: the server's preference wins; a client offering nothing we speak is refused (with
 *       the no_application_protocol alert by the JDK engine; BoringSSL closes the connection instead).</li>
 *   <li>SNI: the name s_client sends is what {@code sniHostName()} reports; none with {@code -noservername}.</li>
 *   <li>Client certificates required by us: accepted from our CA, refused (with an alert s_client prints)
 *       from an impostor CA or when missing.</li>
 *   <li>TLS 1.3 KeyUpdate: s_client's {@code k} (update its keys) and {@code K} (and ask us to update ours)
 *       between lines of data; every line is echoed intact and, for {@code K}, s_client receives our
 *       KeyUpdate ({@code -msg} traces both directions). TLS 1.2 renegotiation started by s_client's
 *       {@code R}: likewise on the JDK engine; refused with a no_renegotiation alert by BoringSSL.</li>
 *   <li>Session resumption by s_client's second connection (not in TLS 1.3 with BoringSSL, which sends no
 *       session ticket).</li>
 *   <li>4 MiB through {@code s_client -quiet}, checked by sha256 on both sides.</li>
 * </ul>
 */
@ParameterizedClass(name = "{0}")
@EnumSource(TlsEngine.class)
@Timeout(value = 60, unit = SECONDS)
@Tag("integration")
class OpensslClientIT {
    /** A line to echo: distinctive, so finding it in s_client's output means the echo came back. */
    private static final String PING = "ping-7f3a\n";
    /** Echoes the ping, then ends the session with close_notify (s_client -ign_eof would never end it). */
    private static final SpindleTlsServer.Mode ECHO_PING = SpindleTlsServer.echoThenClose(PING.length());
    /** In s_client's -msg trace: a ClientHello it sent, and a Finished we sent. */
    private static final String CLIENT_HELLO = ">>> TLS 1.2, Handshake \\[length [0-9a-f]+\\], ClientHello";
    private static final String OUR_FINISHED = "<<< TLS 1.2, Handshake \\[length [0-9a-f]+\\], Finished";
    private static final String VERIFY = " -CAfile /peer/ca.pem -verify_return_error -verify_hostname localhost";

    @RegisterExtension
    static final PeerFixture PEER = PeerFixture.clients("openssl-client-it");

    @Parameter
    TlsEngine engine;

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
        TlsAcceptor acceptor = acceptor(engine, keyType.equals("EC") ? SERVER_EC : SERVER_RSA).build();
        String line = "hello from s_client\n";
        var mode = SpindleTlsServer.echoThenClose(line.length());
        try (SpindleTlsServer server = PEER.serve(acceptor, mode)) {
            String restrict = protocol.equals("TLSv1.3") ? "-tls1_3 -ciphersuites " + opensslName
                    : "-tls1_2 -cipher " + opensslName;
            // -ign_eof: s_client does not end the session at the end of its input; our close_notify ends it.
            String out = PEER.runPeer(sClient(server.port(), restrict + " -servername localhost -ign_eof",
                    "printf 'hello from s_client\\n'"));
            // s_client's summary of the handshake (its "Protocol  :" lines come only with a session ticket in TLS 1.3)
            assertThat(out).as(out)
                    .contains("\nNew, " + protocol + ", Cipher is " + opensslName + "\n")
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
        TlsAcceptor acceptor = acceptor(engine, SERVER_EC).alpn("h2", "http/1.1").build();
        try (SpindleTlsServer server = PEER.serve(acceptor, ECHO_PING)) {
            String alpn = offered.equals("-") ? "" : " -alpn " + offered;
            String out = PEER.runPeer(sClient(server.port(), "-ign_eof" + alpn, "printf '" + PING + "'"));
            assertThat(out).as(out)
                    .contains(expected.equals("none") ? "No ALPN negotiated" : "ALPN protocol: " + expected)
                    .contains("EXIT 0");
            Report r = server.next().assertOk();
            assertThat(r.alpn().orElse("none")).isEqualTo(expected);
        }
    }

    /**
     * The JDK engine refuses with the no_application_protocol alert; BoringSSL cannot send it (TlsEngine) and
     * closes the connection, which s_client reports as an unexpected end of file in its handshake.
     */
    @Test
    void noCommonAlpnProtocolIsRefused() throws Exception {
        TlsAcceptor acceptor = acceptor(engine, SERVER_EC).alpn("h2", "http/1.1").build();
        try (SpindleTlsServer server = PEER.serve(acceptor, SpindleTlsServer.echo())) {
            String out = PEER.runPeer(sClient(server.port(), "-alpn spdy/3.1", "true"));
            switch (engine) {
                case JDK -> assertThat(out).as(out).contains("alert no application protocol");
                case BORINGSSL -> assertThat(out).as(out).contains("unexpected eof while reading")
                        .contains("SSL handshake has read 0 bytes").doesNotContain("SSL alert number");
            }
            assertThat(out).as(out).doesNotContain("EXIT 0");
            Report r = server.next();
            assertThat(r.failure()).as("the handshake must fail").isNotNull();
            assertThat(messages(r.failure())).contains("no_application_protocol");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {"-servername sni.test; sni.test", "-noservername; none"})
    void theServerSeesTheNameTheClientSent(String option, String expected) throws Exception {
        TlsAcceptor acceptor = acceptor(engine, SERVER_EC).build();
        try (SpindleTlsServer server = PEER.serve(acceptor, ECHO_PING)) {
            String out = PEER.runPeer(sClient(server.port(), option + " -ign_eof", "printf '" + PING + "'"));
            assertThat(out).as(out).contains("EXIT 0");
            assertThat(server.next().assertOk().sni().orElse("none")).isEqualTo(expected);
        }
    }

    /**
     * One port, two names: the acceptor serves "sni.test" with its own certificate and everything else with the
     * default one, chosen from the ClientHello before the engine exists; with rejectUnknownServerNames, a name it
     * does not serve gets the unrecognized_name alert (112).
     */
    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void eachServerNameGetsItsOwnCertificate(String protocol) throws Exception {
        String version = protocol.equals("TLSv1.3") ? " -tls1_3" : " -tls1_2";
        TlsAcceptor acceptor = acceptor(engine, SERVER_EC).serverName("sni.test", Interop.context(Interop.SNI))
                .build();
        try (SpindleTlsServer server = PEER.serve(acceptor, ECHO_PING)) {
            for (String name : new String[]{"sni.test", "localhost"}) {
                String out = PEER.runPeer("printf '" + PING + "' | openssl s_client -connect 127.0.0.1:" + server.port()
                        + " -CAfile /peer/ca.pem -verify_return_error -verify_hostname " + name + " -servername "
                        + name + version + " -ign_eof 2>&1; echo EXIT $?");
                assertThat(out).as(out).contains("subject=CN = " + name).contains("Verify return code: 0 (ok)")
                        .contains("EXIT 0");
                Report r = server.next().assertOk();
                assertThat(r.sni()).contains(name);
                assertThat(r.receivedText()).isEqualTo(PING);
            }
        }
        TlsAcceptor strict = acceptor(engine, SERVER_EC).serverName("sni.test", Interop.context(Interop.SNI))
                .rejectUnknownServerNames(true).build();
        try (SpindleTlsServer server = PEER.serve(strict, ECHO_PING)) {
            String out = PEER.runPeer("printf '" + PING + "' | openssl s_client -connect 127.0.0.1:" + server.port()
                    + " -CAfile /peer/ca.pem -servername other.test" + version + " 2>&1; echo EXIT $?");
            assertThat(out).as(out).contains("tlsv1 unrecognized name").contains("SSL alert number 112")
                    .doesNotContain("EXIT 0");
            assertThat(messages(server.next().failure())).contains("'other.test'").contains("unrecognized_name");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void aClientCertificateFromTheTrustedCaIsAccepted(String protocol) throws Exception {
        TlsAcceptor acceptor = acceptor(engine, SERVER_EC).clientAuth(ClientAuth.NEED).build();
        try (SpindleTlsServer server = PEER.serve(acceptor, ECHO_PING)) {
            String version = protocol.equals("TLSv1.3") ? "-tls1_3" : "-tls1_2";
            String out = PEER.runPeer(sClient(server.port(),
                    version + " -cert /peer/client.pem -key /peer/client.key -ign_eof", "printf '" + PING + "'"));
            assertThat(out).as(out).contains(PING.strip()).contains("EXIT 0");
            Report r = server.next().assertOk();
            assertThat(r.protocol()).isEqualTo(protocol);
            // s_client sends the chain it builds from -CAfile: our CA's certificate follows the client's.
            assertThat(r.peerCertificates().getFirst()).isEqualTo(CLIENT.certificate());
        }
    }

    /**
     * s_client saves the session of its first connection ({@code -sess_out}) and offers it on the second
     * ({@code -sess_in}); "Reused" in its summary means we resumed it. In TLS 1.3 the session comes in a
     * NewSessionTicket after the handshake, which both engines send (Conscrypt only because our BoringSSL
     * engines turn tickets on: its default is off, and no TLS 1.3 client could resume).
     */
    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void theSecondConnectionResumesTheSession(String protocol) throws Exception {
        TlsAcceptor acceptor = acceptor(engine, SERVER_EC).protocols(protocol).build();
        try (SpindleTlsServer server = PEER.serve(acceptor, ECHO_PING)) {
            String sClient = "printf '" + PING + "' | openssl s_client -connect 127.0.0.1:" + server.port() + VERIFY
                    + " -ign_eof";
            String out = PEER.runPeer(String.join("\n",
                    "set -e",
                    sClient + " -sess_out /data/session > /data/first 2>&1",
                    "echo FIRST $(grep -E '^(New|Reused), ' /data/first)",
                    "if [ -s /data/session ]; then",
                    "  " + sClient + " -sess_in /data/session > /data/second 2>&1",
                    "  echo SECOND $(grep -E '^(New|Reused), ' /data/second)",
                    "else echo SECOND no session saved; fi"));
            assertThat(Output.value(out, "FIRST")).as(out).startsWith("New, " + protocol + ", ");
            assertThat(server.next().assertOk().protocol()).isEqualTo(protocol);
            assertThat(Output.value(out, "SECOND")).as(out).startsWith("Reused, " + protocol + ", ");
            assertThat(server.next().assertOk().protocol()).isEqualTo(protocol);
        }
    }

    /** The JDK's trust manager judges the certificate on both engines; a missing one is the engine's to report. */
    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"TLSv1.2, impostor", "TLSv1.3, impostor", "TLSv1.2, none", "TLSv1.3, none"})
    void aBadOrMissingClientCertificateIsRefused(String protocol, String certificate) throws Exception {
        TlsAcceptor acceptor = acceptor(engine, SERVER_EC).clientAuth(ClientAuth.NEED).build();
        try (SpindleTlsServer server = PEER.serve(acceptor, SpindleTlsServer.echo())) {
            String version = protocol.equals("TLSv1.3") ? "-tls1_3" : "-tls1_2";
            boolean none = certificate.equals("none");
            String cert = none ? "" : " -cert /peer/impostor-client.pem -key /peer/impostor-client.key";
            String reason = none ? noClientCertificate(engine) : "Path does not chain with any of the trust anchors";
            // -ign_eof: in TLS 1.3 s_client's handshake is over before we check its certificate; it must stay to
            // read our alert instead of closing at the end of its input.
            String out = PEER.runPeer(sClient(server.port(), version + cert + " -ign_eof",
                    "printf '" + PING + "'"));
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
        TlsAcceptor acceptor = acceptor(engine, SERVER_EC).protocols("TLSv1.3").build();
        String big = "0123456789".repeat(3000); // 30,000 bytes: several records, more than one read of s_client
        try (SpindleTlsServer server = PEER.serve(acceptor, SpindleTlsServer.echo())) {
            String out = PEER.runPeer(interactive(server.port(), "-tls1_3",
                    "printf 'alpha\\n' >&3; out alpha",
                    "printf 'K\\n' >&3; err KEYUPDATE", // update s_client's keys and request that we update ours
                    "printf 'beta\\n' >&3; out beta",
                    "printf '" + big + "\\n' >&3; out " + big,
                    "printf 'k\\n' >&3; err KEYUPDATE 2", // update s_client's keys only
                    "printf 'gamma\\n' >&3; out gamma"));
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

    /**
     * s_client's {@code R} asks for a TLS 1.2 renegotiation. The JDK engine carries it out and the echo goes on;
     * BoringSSL refuses it by design (TlsEngine): a fatal no_renegotiation alert to s_client, which exits with
     * an error, and our connection ends at once with the reason, after the data before it was echoed intact.
     */
    @Test
    void aRenegotiationStartedByTheClientIsCarriedOutOrCleanlyRefused() throws Exception {
        TlsAcceptor acceptor = acceptor(engine, SERVER_EC).protocols("TLSv1.2").build();
        try (SpindleTlsServer server = PEER.serve(acceptor, SpindleTlsServer.echo())) {
            switch (engine) {
                case JDK -> assertRenegotiationCarriedOut(server);
                case BORINGSSL -> assertRenegotiationRefused(server);
            }
        }
    }

    private void assertRenegotiationCarriedOut(SpindleTlsServer server) throws Exception {
        String out = PEER.runPeer(interactive(server.port(), "-tls1_2",
                "printf 'alpha\\n' >&3; out alpha",
                "printf 'R\\n' >&3; err RENEGOTIATING",
                "printf 'beta\\n' >&3; out beta"));
        assertThat(Output.value(out, "EXIT")).as(out).isEqualTo("0");
        assertThat(Output.value(out, "DATA"))
                .isEqualTo(Payload.sha256("alpha\nbeta\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(countMatches(out, CLIENT_HELLO)).as("the first handshake and the renegotiation: " + out)
                .isEqualTo(2);
        assertThat(countMatches(out, OUR_FINISHED)).as("our Finished, once per handshake").isEqualTo(2);
        Report r = server.next().assertOk();
        assertThat(r.receivedText()).isEqualTo("alpha\nbeta\n");
        assertThat(r.cleanEof()).isTrue();
    }

    private void assertRenegotiationRefused(SpindleTlsServer server) throws Exception {
        // No step after R: s_client exits on the alert, and the script then collects what it printed.
        String out = PEER.runPeer(interactive(server.port(), "-tls1_2",
                "printf 'alpha\\n' >&3; out alpha",
                "printf 'R\\n' >&3; err RENEGOTIATING"));
        assertThat(Output.value(out, "EXIT")).as(out).isNotEqualTo("0");
        assertThat(out).contains("tlsv1 alert no renegotiation").contains("SSL alert number 100")
                .contains("<<< TLS 1.2, Alert [length 0002], fatal no_renegotiation");
        assertThat(Output.value(out, "DATA")).as("the echo before the renegotiation")
                .isEqualTo(Payload.sha256("alpha\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(countMatches(out, CLIENT_HELLO)).as(out).isEqualTo(2);
        assertThat(countMatches(out, OUR_FINISHED)).as("no second handshake").isEqualTo(1);
        Report r = server.next(); // within 30 s: the connection's task has ended
        assertThat(r.failure()).as("the refused renegotiation ends the connection").isNotNull();
        assertThat(messages(r.failure())).contains("NO_RENEGOTIATION");
        assertThat(r.receivedText()).isEqualTo("alpha\n");
        assertThat(r.cleanEof()).isFalse();
        // Nothing is left running for the connection: the runtime stays idle (only the accept loop is waiting).
        long polls = PEER.rt().metrics().totalPolls();
        Thread.sleep(300);
        assertThat(PEER.rt().metrics().totalPolls() - polls).as("polls in 300 ms after the refusal")
                .isLessThanOrEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void fourMebibytesThroughSClientQuietComeBackIntact(String protocol) throws Exception {
        int size = 4 << 20;
        TlsAcceptor acceptor = acceptor(engine, SERVER_EC).protocols(protocol).build();
        try (SpindleTlsServer server = PEER.serve(acceptor, SpindleTlsServer.echoThenClose(size))) {
            String out = PEER.runPeer(String.join("\n",
                    "head -c " + size + " /dev/urandom > /data/in",
                    "echo IN $(sha256sum < /data/in | cut -d' ' -f1)",
                    // -quiet implies -ign_eof: the session ends with our close_notify after the last byte.
                    "openssl s_client -connect 127.0.0.1:" + server.port() + VERIFY + " -quiet < /data/in > /data/out",
                    "echo EXIT $?",
                    "echo OUT $(sha256sum < /data/out | cut -d' ' -f1)",
                    "echo SIZE $(stat -c %s /data/out)"));
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
