package dev.spindle.perf.servers.kit;

import dev.spindle.tls.TlsEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The command line the benchmark scripts depend on: parsing. The real mains in a child JVM are tested where they
 * are, with the examples ({@code ServerMainTest}).
 */
@Timeout(value = 60, unit = SECONDS)
class ServerCliTest {

    @Test
    void defaultsAreLoopbackAnEphemeralPortAndOneWorkerPerProcessor() throws Exception {
        ServerCli.Options o = ServerCli.parse(new String[0], ServerCli.Kind.PLAIN);
        assertThat(o.bind()).isEqualTo(new InetSocketAddress("127.0.0.1", 0));
        assertThat(o.workers()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(o.upstream()).isNull();
    }

    @Test
    void everyOptionIsReadInBothForms() throws Exception {
        ServerCli.Options o = ServerCli.parse(new String[]{"--port", "8080", "--host=0.0.0.0", "--workers=3",
                "--upstream", "127.0.0.1:9000"}, ServerCli.Kind.RELAY);
        assertThat(o.bind()).isEqualTo(new InetSocketAddress("0.0.0.0", 8080));
        assertThat(o.workers()).isEqualTo(3);
        assertThat(o.upstream()).isEqualTo(new InetSocketAddress("127.0.0.1", 9000));
        assertThat(ServerCli.parse(new String[]{"--upstream=[::1]:80"}, ServerCli.Kind.RELAY).upstream().getPort()).isEqualTo(80);
        assertThat(ServerCli.parse(new String[]{"--help"}, ServerCli.Kind.PLAIN)).isNull();
    }

    @Test
    void tlsOptionsDefaultToASelfSignedCertificateTls13AndTheJdkEngine(@TempDir Path dir) throws Exception {
        ServerCli.TlsOptions defaults = ServerCli.parse(new String[0], ServerCli.Kind.TLS).tls();
        assertThat(defaults.selfSigned()).isTrue();
        assertThat(defaults.protocol()).isEqualTo("TLSv1.3");
        assertThat(defaults.engine()).isEqualTo(TlsEngine.JDK);
        assertThat(ServerCli.parse(new String[0], ServerCli.Kind.PLAIN).tls()).isNull();

        Files.writeString(dir.resolve("cert.pem"), "");
        Files.writeString(dir.resolve("key.pem"), "");
        ServerCli.TlsOptions given = ServerCli.parse(new String[]{"--cert-dir", dir.toString(),
                "--protocol=TLSv1.2", "--engine", "boringssl"}, ServerCli.Kind.TLS).tls();
        assertThat(given.certificate()).isEqualTo(dir.resolve("cert.pem"));
        assertThat(given.privateKey()).isEqualTo(dir.resolve("key.pem"));
        assertThat(given.protocol()).isEqualTo("TLSv1.2");
        assertThat(given.engine()).isEqualTo(TlsEngine.BORINGSSL);
        assertThat(given.serverNames()).isEmpty();
    }

    @Test
    void serverNamesAreRepeatableNameDirPairs(@TempDir Path dir) throws Exception {
        for (String sub : List.of("api", "wild")) {
            Files.createDirectories(dir.resolve(sub));
            Files.writeString(dir.resolve(sub).resolve("cert.pem"), "");
            Files.writeString(dir.resolve(sub).resolve("key.pem"), "");
        }
        ServerCli.TlsOptions tls = ServerCli.parse(new String[]{"--server-name", "api.test=" + dir.resolve("api"),
                "--server-name=*.wild.test=" + dir.resolve("wild")}, ServerCli.Kind.TLS).tls();
        assertThat(tls.serverNames()).containsExactly(
                new ServerCli.NamedCertificate("api.test", dir.resolve("api/cert.pem"), dir.resolve("api/key.pem")),
                new ServerCli.NamedCertificate("*.wild.test", dir.resolve("wild/cert.pem"),
                        dir.resolve("wild/key.pem")));
        assertThat(ServerCli.usage("tls-echo-server", ServerCli.Kind.TLS)).contains("--server-name NAME=DIR");
    }

    @Test
    void theTlsProxyTakesAnUpstreamAndTheTlsOptions() throws Exception {
        ServerCli.Options o = ServerCli.parse(new String[]{"--upstream", "127.0.0.1:9000", "--engine=boringssl",
                "--protocol", "TLSv1.2"}, ServerCli.Kind.TLS_RELAY);
        assertThat(o.upstream()).isEqualTo(new InetSocketAddress("127.0.0.1", 9000));
        assertThat(o.tls().engine()).isEqualTo(TlsEngine.BORINGSSL);
        assertThat(o.tls().protocol()).isEqualTo("TLSv1.2");
        assertThat(o.tls().selfSigned()).isTrue();
        assertThatThrownBy(() -> ServerCli.parse(new String[0], ServerCli.Kind.TLS_RELAY))
                .hasMessageContaining("--upstream HOST:PORT is required");
        assertThat(ServerCli.usage("tls-terminating-proxy", ServerCli.Kind.TLS_RELAY))
                .contains("--upstream HOST:PORT").contains("--engine jdk|boringssl");
    }

    @Test
    void badCommandLinesSayWhatIsWrong() {
        record Case(List<String> args, ServerCli.Kind kind, String message) {
        }
        ServerCli.Kind plain = ServerCli.Kind.PLAIN;
        ServerCli.Kind relay = ServerCli.Kind.RELAY;
        ServerCli.Kind tls = ServerCli.Kind.TLS;
        List<Case> cases = List.of(
                new Case(List.of("--port"), plain, "--port needs a value"),
                new Case(List.of("--port", "http"), plain, "--port must be a number"),
                new Case(List.of("--port", "70000"), plain, "between 0 and 65535"),
                new Case(List.of("--workers", "0"), plain, "--workers must be between 1"),
                new Case(List.of("--verbose"), plain, "unknown option --verbose"),
                new Case(List.of("--upstream", "127.0.0.1:1"), plain, "only the relay"),
                new Case(List.of(), relay, "--upstream HOST:PORT is required"),
                new Case(List.of("--upstream", "nohost"), relay, "must be HOST:PORT"),
                new Case(List.of("--upstream", "127.0.0.1:0"), relay, "between 1 and 65535"),
                new Case(List.of("--host", "no.such.host.invalid"), plain, "does not resolve"),
                new Case(List.of("--cert-dir", "/tmp"), plain, "only the TLS servers"),
                new Case(List.of("--engine", "jdk"), relay, "only the TLS servers"),
                new Case(List.of("--cert-dir", "/no/such/dir"), tls, "cannot read /no/such/dir/cert.pem"),
                new Case(List.of("--protocol", "TLSv1.1"), tls, "--protocol must be one of [TLSv1.3, TLSv1.2]"),
                new Case(List.of("--engine", "openssl"), tls, "--engine must be jdk or boringssl"),
                new Case(List.of("--server-name", "api.test"), tls, "--server-name must be NAME=DIR"),
                new Case(List.of("--server-name", "=/tmp"), tls, "--server-name must be NAME=DIR"),
                new Case(List.of("--server-name", "api.test=/no/such/dir"), tls,
                        "--server-name: cannot read /no/such/dir/cert.pem"),
                new Case(List.of("--server-name", "api.test=/tmp"), plain, "only the TLS servers"));
        for (Case c : cases) {
            assertThatThrownBy(() -> ServerCli.parse(c.args().toArray(String[]::new), c.kind()))
                    .as(c.args().toString()).isInstanceOf(ServerCli.UsageException.class)
                    .hasMessageContaining(c.message());
        }
    }
}
