package dev.spindle.perf.servers.kit;

import dev.spindle.SpindleRuntime;
import dev.spindle.TaskCancelledException;
import dev.spindle.TaskFailedException;
import dev.spindle.tls.TlsEngine;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line shared by the servers' {@code main} methods. Benchmark scripts depend on it exactly:
 *
 * <pre>
 *   --port P             port to listen on (default 0: an ephemeral port)
 *   --host H             address to listen on (default 127.0.0.1)
 *   --workers N          runtime worker threads (default: available processors)
 *   --upstream HOST:PORT where to relay to (the relays only, required there: TcpRelay, TlsTerminatingProxy)
 *   --cert-dir DIR       TLS servers only: DIR holds cert.pem (the chain, leaf first) and key.pem; without it
 *                        the server makes a self-signed certificate for localhost and 127.0.0.1
 *   --protocol P         TLS servers only: TLSv1.3 (default) or TLSv1.2, the one version enabled
 *   --engine E           TLS servers only: jdk (default, the JDK's SSLEngine) or boringssl (BoringSSL through
 *                        Conscrypt, which must be on the class path)
 *   --server-name N=DIR  TLS servers only, repeatable: clients asking for host name N (SNI; *.example.com for a
 *                        wildcard) get DIR's cert.pem and key.pem instead; the others get the default
 * </pre>
 *
 * {@code --name value} and {@code --name=value} are both accepted. Once bound, the server prints exactly one
 * line, {@code listening on HOST:PORT} with the real port, flushes stdout and serves until the process is
 * stopped. A bad command line prints what is wrong and the usage to stderr and exits with status 2; a server
 * that cannot start (say, the port is taken) exits with status 1.
 *
 * <p>Stopping (SIGTERM, SIGINT: Ctrl-C) is orderly: a shutdown hook closes the listening socket, so no new
 * connection is accepted, then closes the runtime, which cancels every connection's task, and each task closes
 * its socket; the workers end and the JVM exits. Open connections are cut, not drained: an echo connection has
 * no natural end to wait for (a TLS connection ends without close_notify, which its client sees as a
 * truncation).
 */
public final class ServerCli {
    static final int EXIT_USAGE = 2;
    static final int EXIT_FAILURE = 1;

    /** Starts a server on a runtime with the parsed options. */
    @FunctionalInterface
    public interface Starter {
        ServerHandle start(SpindleRuntime runtime, Options options) throws IOException;
    }

    /** Which options beyond {@code --port --host --workers} a server takes. */
    public enum Kind {
        /** None. */
        PLAIN(false, false),
        /** {@code --upstream}, required. */
        RELAY(true, false),
        /** {@code --cert-dir}, {@code --protocol} and {@code --engine}, all optional. */
        TLS(false, true),
        /** Both: a relay whose clients speak TLS to it. */
        TLS_RELAY(true, true);

        /** Takes {@code --upstream} (and requires it). */
        final boolean relays;
        /** Takes the TLS options. */
        final boolean tls;

        Kind(boolean relays, boolean tls) {
            this.relays = relays;
            this.tls = tls;
        }
    }

    /** A parsed command line; {@code upstream} and {@code tls} are null unless the server's kind takes them. */
    public record Options(InetSocketAddress bind, int workers, InetSocketAddress upstream, TlsOptions tls) {
    }

    /**
     * The TLS options.
     *
     * @param certificate the server's certificate chain ({@code DIR/cert.pem}); null: make a self-signed one
     * @param privateKey  its private key ({@code DIR/key.pem}); null with {@code certificate}
     * @param protocol    the one protocol version enabled ({@code TLSv1.3} or {@code TLSv1.2})
     * @param engine      the TLS implementation
     * @param serverNames the certificates served by name ({@code --server-name}), in the order given
     */
    public record TlsOptions(Path certificate, Path privateKey, String protocol, TlsEngine engine,
                      List<NamedCertificate> serverNames) {
        public boolean selfSigned() {
            return certificate == null;
        }
    }

    /** {@code --server-name NAME=DIR}: the certificate and key served to clients asking for {@code name}. */
    public record NamedCertificate(String name, Path certificate, Path privateKey) {
    }

    /** The versions {@code --protocol} accepts: the two a current server speaks. */
    private static final List<String> TLS_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** What is wrong with a command line, in words meant for the person who typed it. */
    public static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    private ServerCli() {
    }

    /**
     * Parses {@code args} for a server of {@code kind}, starts the server, prints the "listening on" line and
     * serves until the process is stopped.
     */
    public static void run(String program, String[] args, Kind kind, Starter starter) {
        Options options;
        try {
            options = parse(args, kind);
        } catch (UsageException e) {
            System.err.println(program + ": " + e.getMessage());
            System.err.println(usage(program, kind));
            System.exit(EXIT_USAGE);
            return;
        }
        if (options == null) {
            System.out.println(usage(program, kind));
            return;
        }
        SpindleRuntime runtime = SpindleRuntime.builder().workers(options.workers()).threadNamePrefix(program + "-").build();
        ServerHandle server;
        try {
            server = starter.start(runtime, options);
        } catch (IOException e) {
            runtime.close();
            System.err.println(program + ": " + e.getMessage());
            System.exit(EXIT_FAILURE);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close(); // first, so the accept loop ends normally and main's join returns
            if (Boolean.getBoolean("spindle.examples.metricsOnExit")) { // what the scheduler did, for benchmarks
                System.out.print(runtime.metrics().describe());
                System.out.flush();
            }
            runtime.close();
        }, program + "-shutdown"));
        InetSocketAddress local = server.localAddress();
        System.out.println("listening on " + local.getAddress().getHostAddress() + ":" + local.getPort());
        System.out.flush();
        try {
            server.acceptLoop().join(); // runs until the shutdown hook closes the server
        } catch (TaskCancelledException e) {
            // The shutdown hook closed the runtime before the accept loop saw the listener close: stopping anyway.
        } catch (TaskFailedException e) {
            System.getLogger(ServerCli.class.getPackageName())
                    .log(System.Logger.Level.ERROR, program + ": the accept loop failed", e.getCause());
            System.exit(EXIT_FAILURE);
        }
    }

    /** Parses the command line of a server of {@code kind}; null if it asks for help. */
    public static Options parse(String[] args, Kind kind) throws UsageException {
        boolean relay = kind.relays;
        boolean tls = kind.tls;
        String host = "127.0.0.1";
        int port = 0;
        int workers = Math.max(1, Runtime.getRuntime().availableProcessors());
        InetSocketAddress upstream = null;
        Path certDir = null;
        String protocol = TLS_PROTOCOLS.getFirst();
        TlsEngine engine = TlsEngine.JDK;
        List<NamedCertificate> serverNames = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                return null;
            }
            String name = arg;
            String value;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                value = null;
            }
            switch (name) {
                case "--port" -> port = intValue(name, value, 0, 65_535);
                case "--host" -> host = required(name, value);
                case "--workers" -> workers = intValue(name, value, 1, 4096);
                case "--upstream" -> {
                    if (!relay) {
                        throw new UsageException("unknown option --upstream (only the relays have an upstream)");
                    }
                    upstream = hostAndPort(name, required(name, value));
                }
                case "--cert-dir" -> {
                    requireTls(name, tls);
                    certDir = Path.of(required(name, value));
                }
                case "--protocol" -> {
                    requireTls(name, tls);
                    protocol = required(name, value);
                    if (!TLS_PROTOCOLS.contains(protocol)) {
                        throw new UsageException("--protocol must be one of " + TLS_PROTOCOLS + ", was '" + protocol
                                + "'");
                    }
                }
                case "--engine" -> {
                    requireTls(name, tls);
                    engine = switch (required(name, value)) {
                        case "jdk" -> TlsEngine.JDK;
                        case "boringssl" -> TlsEngine.BORINGSSL;
                        default -> throw new UsageException("--engine must be jdk or boringssl, was '" + value + "'");
                    };
                }
                case "--server-name" -> {
                    requireTls(name, tls);
                    serverNames.add(namedCertificate(name, required(name, value)));
                }
                default -> throw new UsageException("unknown option " + arg);
            }
        }
        if (relay && upstream == null) {
            throw new UsageException("--upstream HOST:PORT is required");
        }
        TlsOptions tlsOptions = null;
        if (tls && certDir == null) {
            tlsOptions = new TlsOptions(null, null, protocol, engine, List.copyOf(serverNames));
        } else if (tls) {
            Path certificate = certDir.resolve("cert.pem");
            Path privateKey = certDir.resolve("key.pem");
            requireReadable("--cert-dir", certificate, privateKey);
            tlsOptions = new TlsOptions(certificate, privateKey, protocol, engine, List.copyOf(serverNames));
        }
        InetSocketAddress bind = new InetSocketAddress(host, port);
        if (bind.isUnresolved()) {
            throw new UsageException("--host " + host + " does not resolve to an address");
        }
        return new Options(bind, workers, upstream, tlsOptions);
    }

    /** {@code NAME=DIR} of {@code --server-name}; the name itself is checked by the acceptor's builder. */
    private static NamedCertificate namedCertificate(String option, String value) throws UsageException {
        int eq = value.indexOf('=');
        if (eq <= 0 || eq == value.length() - 1) {
            throw new UsageException(option + " must be NAME=DIR (e.g. api.example.com=/etc/tls/api), was '" + value
                    + "'");
        }
        Path dir = Path.of(value.substring(eq + 1));
        Path certificate = dir.resolve("cert.pem");
        Path privateKey = dir.resolve("key.pem");
        requireReadable(option, certificate, privateKey);
        return new NamedCertificate(value.substring(0, eq), certificate, privateKey);
    }

    /** Checked here so that a wrong directory is a usage error, not a stack trace from the key loader. */
    private static void requireReadable(String option, Path... files) throws UsageException {
        for (Path file : files) {
            if (!Files.isReadable(file)) {
                throw new UsageException(option + ": cannot read " + file);
            }
        }
    }

    private static void requireTls(String name, boolean tls) throws UsageException {
        if (!tls) {
            throw new UsageException("unknown option " + name + " (only the TLS servers take it)");
        }
    }

    public static String usage(String program, Kind kind) {
        return "usage: " + program + " [--port P] [--host H] [--workers N]"
                + (kind.relays ? " --upstream HOST:PORT" : "")
                + (kind.tls ? " [--cert-dir DIR] [--protocol TLSv1.3|TLSv1.2] [--engine jdk|boringssl]"
                        + " [--server-name NAME=DIR]..." : "")
                + "\n  --port P     port to listen on (default 0: any free port)"
                + "\n  --host H     address to listen on (default 127.0.0.1)"
                + "\n  --workers N  worker threads (default: available processors)"
                + (kind.relays ? "\n  --upstream HOST:PORT  where each client connection is relayed to" : "")
                + (kind.tls ? "\n  --cert-dir DIR  holds cert.pem (chain, leaf first) and key.pem (PEM);"
                        + "\n                  without it, a self-signed certificate for localhost and 127.0.0.1"
                        + "\n  --protocol P    the one TLS version enabled (default TLSv1.3)"
                        + "\n  --engine E      jdk (default) or boringssl (needs Conscrypt on the class path)"
                        + "\n  --server-name NAME=DIR  clients asking for NAME (SNI; *.example.com: a wildcard) get"
                        + "\n                  DIR's cert.pem and key.pem; repeatable" : "");
    }

    private static String required(String name, String value) throws UsageException {
        if (value == null || value.isEmpty()) {
            throw new UsageException(name + " needs a value");
        }
        return value;
    }

    private static int intValue(String name, String value, int min, int max) throws UsageException {
        String v = required(name, value);
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException(name + " must be a number, was '" + v + "'");
        }
        if (n < min || n > max) {
            throw new UsageException(name + " must be between " + min + " and " + max + ", was " + n);
        }
        return n;
    }

    /** {@code host:port}, with IPv6 literals in brackets ({@code [::1]:8080}). */
    private static InetSocketAddress hostAndPort(String name, String value) throws UsageException {
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new UsageException(name + " must be HOST:PORT, was '" + value + "'");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = intValue(name + " port", value.substring(colon + 1), 1, 65_535);
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new UsageException(name + " host " + host + " does not resolve to an address");
        }
        return address;
    }
}
