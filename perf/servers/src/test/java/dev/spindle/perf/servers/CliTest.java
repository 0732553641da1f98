package dev.spindle.perf.servers;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@code --name value} command line of every benchmark main, and the servers' part of it: values, defaults,
 * and the message of each bad option (which a main prints before exiting with status 2).
 */
class CliTest {
    private static final Set<String> KNOWN = Set.of("port", "mode", "rate", "duration", "name");

    /** Thrown instead of exiting, with the message the main would print. */
    private static final class BadCommandLine extends RuntimeException {
        BadCommandLine(String message) {
            super(message);
        }
    }

    private static Cli parse(String... args) {
        return Cli.parse(args, "usage: test", KNOWN, message -> {
            throw new BadCommandLine(message);
        });
    }

    @Test
    void valuesAreReadByNameInAnyOrderAndDefaultsFillTheRest() {
        Cli cli = parse("--rate", "7", "--port", "9000", "--duration", "1.5");
        assertThat(cli.integer("port", 0, 0)).isEqualTo(9000);
        assertThat(cli.integer("rate", 1, 1)).isEqualTo(7);
        assertThat(cli.seconds("duration", 10)).isEqualTo(1_500_000_000L);
        assertThat(cli.string("name", "echo")).isEqualTo("echo");
        assertThat(cli.choice("mode", "native", "java")).as("the first choice is the default").isEqualTo("native");
        assertThat(parse().seconds("duration", 0.25)).isEqualTo(250_000_000L);
        assertThat(parse("--mode", "java").choice("mode", "native", "java")).isEqualTo("java");
        assertThat(parse("--name", "x").required("name")).isEqualTo("x");
    }

    @Test
    void aLaterValueOfTheSameOptionWins() {
        assertThat(parse("--port", "1", "--port", "2").integer("port", 0, 0)).isEqualTo(2);
    }

    @Test
    void badCommandLinesSayWhatIsWrong() {
        assertThatThrownBy(() -> parse("--verbose", "1")).hasMessage("unknown option --verbose");
        assertThatThrownBy(() -> parse("port", "1")).hasMessage("unknown option port");
        assertThatThrownBy(() -> parse("--port")).hasMessage("option --port needs a value");
        assertThatThrownBy(() -> parse("--port", "x").integer("port", 0, 0))
                .hasMessage("--port is not an integer: x");
        assertThatThrownBy(() -> parse("--rate", "0").integer("rate", 1, 1))
                .hasMessage("--rate must be at least 1, got 0");
        assertThatThrownBy(() -> parse("--mode", "rust").choice("mode", "native", "java"))
                .hasMessage("--mode must be one of native, java, got rust");
        assertThatThrownBy(() -> parse().required("name")).hasMessage("--name is required");
        assertThatThrownBy(() -> parse("--name", "").required("name")).hasMessage("--name is required");
        assertThatThrownBy(() -> parse("--duration", "soon").seconds("duration", 1))
                .hasMessage("--duration is not a number of seconds: soon");
        assertThatThrownBy(() -> parse("--duration", "-1").seconds("duration", 1))
                .hasMessage("--duration must be between 0 and 86400 seconds, got -1");
        assertThatThrownBy(() -> parse("--duration", "NaN").seconds("duration", 1))
                .hasMessage("--duration must be between 0 and 86400 seconds, got NaN");
        assertThatThrownBy(() -> parse("--duration", "86401").seconds("duration", 1))
                .hasMessage("--duration must be between 0 and 86400 seconds, got 86401");
    }

    @Test
    void serverOptionsDefaultToLoopbackAnyPortAndTwoWorkers() {
        ServerOptions defaults = ServerOptions.from(Cli.parse(new String[0], "usage", ServerOptions.NAMES,
                message -> {
                    throw new BadCommandLine(message);
                }));
        assertThat(defaults).isEqualTo(new ServerOptions("127.0.0.1", 0, 2));
        assertThat(defaults.address()).isEqualTo(new InetSocketAddress("127.0.0.1", 0));
        ServerOptions given = ServerOptions.from(Cli.parse(new String[]{"--workers", "3", "--host", "0.0.0.0",
                "--port", "8080"}, "usage", ServerOptions.NAMES, message -> {
                    throw new BadCommandLine(message);
                }));
        assertThat(given).isEqualTo(new ServerOptions("0.0.0.0", 8080, 3));
        assertThatThrownBy(() -> ServerOptions.from(Cli.parse(new String[]{"--workers", "0"}, "usage",
                ServerOptions.NAMES, message -> {
                    throw new BadCommandLine(message);
                }))).hasMessage("--workers must be at least 1, got 0");
    }
}
