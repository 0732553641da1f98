package dev.spindle.examples.it;

import dev.spindle.examples.net.TlsServerFixture;
import dev.spindle.testing.peers.Peers;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Duration;
import java.util.Map;

/**
 * {@link TlsServerFixture} for a class whose peers are clients in containers, registered as a static extension
 * ({@code @RegisterExtension static final PeerTlsFixture TLS = new PeerTlsFixture("prefix-")}): each test first
 * checks Docker (the test is skipped, or fails under CI, as {@link Peers#requireDocker()} decides), and the peers
 * get the class's certificate as {@link #CA_FILE} to verify the Spindle server against.
 */
final class PeerTlsFixture extends TlsServerFixture {
    /** Where the peers find our certificate. */
    static final String CA_FILE = "/peer/cert.pem";

    PeerTlsFixture(String threadNamePrefix) {
        super(threadNamePrefix);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Peers.requireDocker();
        super.beforeEach(context);
    }

    /** curl trusting our certificate, with localhost pinned to 127.0.0.1 (not ::1, where nobody listens). */
    static String curl(int port, String options) {
        return "curl -sS --cacert " + CA_FILE + " --resolve localhost:" + port + ":127.0.0.1 " + options;
    }

    /** Runs {@code script} in a peer container (within a minute) with {@link #CA_FILE} in place: its output. */
    String run(String script) {
        return Peers.runToCompletion(script, Duration.ofMinutes(1), Map.of(CA_FILE, cert().certificatePem()));
    }
}
