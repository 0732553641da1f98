package dev.spindle.perf.servers;

import java.net.InetSocketAddress;
import java.util.Set;

/**
 * The command line every server under test shares with the Spindle examples
 * ({@code --port P --host 127.0.0.1 --workers N}), and the one stdout line the driver scripts wait for
 * before they apply load: {@code listening on HOST:PORT}, printed once the socket is bound (so a client that
 * connects after reading it is queued in the backlog, never refused).
 *
 * @param host    the address to bind (default 127.0.0.1)
 * @param port    the port to bind (default 0: any free port, reported in the line)
 * @param workers the number of threads that run the server's work (default 2)
 */
public record ServerOptions(String host, int port, int workers) {
    /** The option names, for a server that takes more options than these. */
    public static final Set<String> NAMES = Set.of("host", "port", "workers");
    /** Their usage text. */
    public static final String USAGE = "[--host 127.0.0.1] [--port 0] [--workers 2]";

    static ServerOptions parse(String[] args, String mainName) {
        return from(Cli.parse(args, "usage: " + mainName + " " + USAGE, NAMES));
    }

    /** The server options of a command line parsed with (at least) {@link #NAMES}. */
    public static ServerOptions from(Cli cli) {
        return new ServerOptions(cli.string("host", "127.0.0.1"), cli.integer("port", 0, 0),
                cli.integer("workers", 2, 1));
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(host, port);
    }

    /** Prints the readiness line (stdout is flushed: the script reads it through a pipe or file). */
    public static void announce(InetSocketAddress bound) {
        System.out.println("listening on " + bound.getAddress().getHostAddress() + ":" + bound.getPort());
        System.out.flush();
    }
}
