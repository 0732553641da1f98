package dev.spindle.examples.net;

import dev.spindle.SpindleRuntime;
import dev.spindle.TaskFailedException;
import dev.spindle.io.Io;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The command line shared by the servers' {@code main} methods. Benchmark scripts depend on it exactly:
 *
 * <pre>
 *   --port P             port to listen on (default 0: an ephemeral port)
 *   --host H             address to listen on (default 127.0.0.1)
 *   --workers N          runtime worker threads (default: available processors)
 *   --upstream HOST:PORT where to relay to (TcpRelay only, required there)
 * </pre>
 *
 * {@code --name value} and {@code --name=value} are both accepted. Once bound, the server prints exactly one
 * line, {@code listening on HOST:PORT} with the real port, flushes stdout and serves until the process is
 * killed. A bad command line prints what is wrong and the usage to stderr and exits with status 2; a server
 * that cannot start (say, the port is taken) exits with status 1.
 */
final class ServerCli {
    static final int EXIT_USAGE = 2;
    static final int EXIT_FAILURE = 1;

    /** Starts a server on a runtime with the parsed options. */
    @FunctionalInterface
    interface Starter {
        ServerHandle start(SpindleRuntime runtime, Options options) throws IOException;
    }

    /** A parsed command line; {@code upstream} is null unless asked for. */
    record Options(InetSocketAddress bind, int workers, InetSocketAddress upstream) {
    }

    /** What is wrong with a command line, in words meant for the person who typed it. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    private ServerCli() {
    }

    /** Parses {@code args}, starts the server, prints the "listening on" line and serves until killed. */
    static void run(String program, String[] args, boolean relay, Starter starter) {
        Options options;
        try {
            options = parse(args, relay);
        } catch (UsageException e) {
            System.err.println(program + ": " + e.getMessage());
            System.err.println(usage(program, relay));
            System.exit(EXIT_USAGE);
            return;
        }
        if (options == null) {
            System.out.println(usage(program, relay));
            return;
        }
        SpindleRuntime runtime = Io.runtimeBuilder().workers(options.workers()).threadNamePrefix(program + "-").build();
        ServerHandle server;
        try {
            server = starter.start(runtime, options);
        } catch (IOException e) {
            runtime.close();
            System.err.println(program + ": " + e.getMessage());
            System.exit(EXIT_FAILURE);
            return;
        }
        InetSocketAddress local = server.localAddress();
        System.out.println("listening on " + local.getAddress().getHostAddress() + ":" + local.getPort());
        System.out.flush();
        try {
            server.acceptLoop().join(); // runs until the process is killed: nothing else closes the server
        } catch (TaskFailedException e) {
            System.getLogger(ServerCli.class.getPackageName())
                    .log(System.Logger.Level.ERROR, program + ": the accept loop failed", e.getCause());
            System.exit(EXIT_FAILURE);
        }
    }

    /**
     * Parses a command line; null if it asks for help.
     *
     * @param relay whether {@code --upstream} is accepted (and then required)
     */
    static Options parse(String[] args, boolean relay) throws UsageException {
        String host = "127.0.0.1";
        int port = 0;
        int workers = Math.max(1, Runtime.getRuntime().availableProcessors());
        InetSocketAddress upstream = null;
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
                        throw new UsageException("unknown option --upstream (only the relay has an upstream)");
                    }
                    upstream = hostAndPort(name, required(name, value));
                }
                default -> throw new UsageException("unknown option " + arg);
            }
        }
        if (relay && upstream == null) {
            throw new UsageException("--upstream HOST:PORT is required");
        }
        InetSocketAddress bind = new InetSocketAddress(host, port);
        if (bind.isUnresolved()) {
            throw new UsageException("--host " + host + " does not resolve to an address");
        }
        return new Options(bind, workers, upstream);
    }

    static String usage(String program, boolean relay) {
        return "usage: " + program + " [--port P] [--host H] [--workers N]" + (relay ? " --upstream HOST:PORT" : "")
                + "\n  --port P     port to listen on (default 0: any free port)"
                + "\n  --host H     address to listen on (default 127.0.0.1)"
                + "\n  --workers N  worker threads (default: available processors)"
                + (relay ? "\n  --upstream HOST:PORT  where each client connection is relayed to" : "");
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
