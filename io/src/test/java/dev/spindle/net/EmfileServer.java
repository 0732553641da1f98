package dev.spindle.net;

import dev.spindle.Context;
import dev.spindle.Futures;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.testkit.WorkerThreads;

import java.io.BufferedReader;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Child-process server for {@link AcceptUnderDescriptorExhaustionTest}, run under a low {@code ulimit -n}: prints
 * its port, then echoes every connection it accepts (closing it at EOF) and prints "accepted N" after each accept
 * and "failed N" whenever the count of descriptor-starved accept attempts grows. For each "stats" line on stdin
 * it prints "stats CPU POLLS": its worker's CPU time (ns) and the runtime's polls so far, so the parent measures
 * the runtime and not this JVM's compiler and collector threads. Exits when stdin closes.
 */
public final class EmfileServer {
    /** The worker thread's name prefix, for {@link WorkerThreads}. */
    static final String WORKER_PREFIX = "emfile-worker-";

    private EmfileServer() {
    }

    private static String stats(SpindleRuntime rt) {
        return "stats " + WorkerThreads.cpuNanos(WORKER_PREFIX) + " " + rt.metrics().totalPolls();
    }

    public static void main(String[] args) throws Exception {
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(1).threadNamePrefix(WORKER_PREFIX).uncaughtExceptionHandler((t, e) -> {
                    System.out.println("task failure: " + e.getCause());
                    System.out.flush();
                }).build();
             TcpListener l = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 1024)) {
            // Answered once now, while descriptors are available: the classes it loads (the management beans,
            // the metrics, the string concatenation) open jar files, which fails once the server is starved.
            stats(rt);
            System.out.println("port " + l.localAddress().getPort());
            System.out.flush();
            rt.spawn(Futures.pollFn(new java.util.function.Function<Context, Poll<Void>>() {
                long accepted;
                long failedSeen;

                @Override
                public Poll<Void> apply(Context cx) {
                    try {
                        for (;;) {
                            Poll<TcpStream> p = l.pollAccept(cx);
                            if (l.failedAccepts() > failedSeen) {
                                failedSeen = l.failedAccepts();
                                System.out.println("failed " + failedSeen);
                                System.out.flush();
                            }
                            if (p.isPending()) {
                                return Poll.pending();
                            }
                            accepted++;
                            SpindleRuntime.current().spawn(TcpTest.echo(p.value()));
                            System.out.println("accepted " + accepted);
                            System.out.flush();
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) { // until the parent closes our stdin
                if (line.equals("stats")) {
                    System.out.println(stats(rt));
                    System.out.flush();
                }
            }
        }
    }
}
