package dev.spindle.perf.servers.tls;

import dev.spindle.perf.servers.Cli;
import dev.spindle.perf.servers.ServerOptions;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * The command line of the TLS peer servers, the same as Spindle's {@code TlsEchoServer} in the benchmark: the
 * plain servers' {@link ServerOptions} plus {@code --cert-dir DIR [--protocol TLSv1.3|TLSv1.2]}.
 *
 * @param server   host, port and workers, as for the plain servers
 * @param certDir  holds {@code cert.pem} and {@code key.pem}
 * @param protocol the one TLS version enabled (default TLSv1.3)
 */
record TlsServerOptions(ServerOptions server, Path certDir, String protocol) {

    static TlsServerOptions parse(String[] args, String mainName) {
        Set<String> names = new HashSet<>(ServerOptions.NAMES);
        names.addAll(Set.of("cert-dir", "protocol"));
        Cli cli = Cli.parse(args, "usage: " + mainName + " --cert-dir DIR [--protocol TLSv1.3|TLSv1.2] "
                + ServerOptions.USAGE, names);
        return new TlsServerOptions(ServerOptions.from(cli), Path.of(cli.required("cert-dir")),
                cli.choice("protocol", BenchTls.PROTOCOLS));
    }
}
