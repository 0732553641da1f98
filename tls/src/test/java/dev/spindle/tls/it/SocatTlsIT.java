package dev.spindle.tls.it;

import dev.spindle.net.TcpStream;
import dev.spindle.testing.peers.Output;
import dev.spindle.tls.TlsAcceptor;
import dev.spindle.tls.TlsConnector;
import dev.spindle.tls.TlsEngine;
import dev.spindle.tls.TlsStream;
import dev.spindle.tls.it.SpindleTlsServer.Report;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static dev.spindle.tls.it.Interop.SERVER_EC;
import static dev.spindle.tls.it.Interop.acceptor;
import static dev.spindle.tls.it.Interop.connector;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Larger transfers through socat's {@code OPENSSL} addresses (OpenSSL 3.0), in both roles, and the end of the
 * session with close_notify in both directions.
 *
 * <ul>
 *   <li>Spindle client, socat server ({@code OPENSSL-LISTEN ... EXEC:cat}): 4 MiB written while the echo is
 *       read; our close_notify reaches cat as end of input, cat exits, socat sends its close_notify, and our
 *       reader must see a clean end of stream (a truncation fails it) with every byte back.</li>
 *   <li>socat client ({@code OPENSSL:...,verify=1}, which checks our certificate and host name), Spindle echo
 *       server: 4 MiB from a file; at the end of the file socat sends close_notify, which the server must read
 *       as a clean end of stream; the server then closes its side and socat exits (socat does not tell a
 *       close_notify from a bare TCP close, so that half is checked with s_client in {@link OpensslClientIT}).
 *       The sha256 of what socat sent, what the server received and what socat got back must agree.</li>
 * </ul>
 * Every test runs on both engines ({@link TlsEngine}).
 */
@ParameterizedClass(name = "{0}")
@EnumSource(TlsEngine.class)
@Timeout(value = 90, unit = SECONDS)
@Tag("integration")
class SocatTlsIT {
    private static final int SIZE = 4 << 20;
    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(60);

    private static final int ECHO_PORT = PeerFixture.freePort();

    // verify=0: socat asks for no client certificate; fork: one cat per connection.
    @RegisterExtension
    static final PeerFixture PEER = PeerFixture.server("socat-tls-it", "exec socat OPENSSL-LISTEN:" + ECHO_PORT
            + ",bind=127.0.0.1,reuseaddr,fork,cert=" + Interop.DIR + "/server-ec.pem,key=" + Interop.DIR
            + "/server-ec.key,verify=0 EXEC:cat", Interop.pkiFiles(), ECHO_PORT);

    @Parameter
    TlsEngine engine;

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void spindleClientEchoesFourMebibytesThroughSocatAndSeesItsCloseNotify(String protocol) throws Exception {
        TlsConnector connector = connector(engine).protocols(protocol).build();
        TlsStream<TcpStream> tls = PEER.connect(connector, "localhost", ECHO_PORT);
        assertThat(tls.protocol()).isEqualTo(protocol);
        Interop.Transfer t = Interop.echoTransfer(PEER.rt(), tls, Payload.bytes(11, SIZE));
        assertThat(t.received()).isEqualTo(SIZE);
        assertThat(t.receivedSha256()).isEqualTo(t.sentSha256());
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void socatClientEchoesFourMebibytesThroughSpindleAndBothCloseCleanly(String protocol) throws Exception {
        TlsAcceptor acceptor = acceptor(engine, SERVER_EC).protocols(protocol).build();
        try (SpindleTlsServer server = PEER.serve(acceptor, SpindleTlsServer.echo())) {
            String out = PEER.runPeer(String.join("\n",
                    "set -e",
                    "head -c " + SIZE + " /dev/urandom > /data/in",
                    // -t: after its input ends, socat waits that long for the server to close the other way.
                    "socat -b 65536 -t 30 -T 60 STDIO OPENSSL:127.0.0.1:" + server.port() + ",cafile=/peer/ca.pem,"
                            + "verify=1,commonname=localhost,snihost=localhost < /data/in > /data/out",
                    "echo IN $(sha256sum < /data/in | cut -d' ' -f1)",
                    "echo OUT $(sha256sum < /data/out | cut -d' ' -f1)",
                    "echo SIZE $(stat -c %s /data/out)"), PEER_TIMEOUT);
            assertThat(Output.value(out, "SIZE")).as(out).isEqualTo(Integer.toString(SIZE));
            assertThat(Output.value(out, "OUT")).as(out).isEqualTo(Output.value(out, "IN"));
            Report r = server.next().assertOk();
            assertThat(r.protocol()).isEqualTo(protocol);
            assertThat(r.sni()).contains("localhost");
            assertThat(r.receivedBytes()).isEqualTo(SIZE);
            assertThat(r.receivedSha256()).isEqualTo(Output.value(out, "IN"));
            assertThat(r.cleanEof()).as("socat ended its side with close_notify").isTrue();
        }
    }
}
