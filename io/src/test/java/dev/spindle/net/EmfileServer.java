package dev.spindle.net;

import dev.spindle.Context;
import dev.spindle.Futures;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.io.Io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;

/**
 * Child-process server for {@link AcceptUnderDescriptorExhaustionTest}, run under a low {@code ulimit -n}: prints
 * its port, then echoes every connection it accepts (closing it at EOF) and prints "accepted N" after each accept
 * and "failed N" whenever the count of descriptor-starved accept attempts grows. Exits when stdin closes.
 */
public final class EmfileServer {
    private EmfileServer() {
    }

    public static void main(String[] args) throws Exception {
        try (SpindleRuntime rt = Io.runtimeBuilder().workers(1).uncaughtExceptionHandler((t, e) -> {
                    System.out.println("task failure: " + e.getCause());
                    System.out.flush();
                }).build();
             TcpListener l = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 1024)) {
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
            while (System.in.read() >= 0) {
                // run until the parent closes our stdin
            }
        }
    }
}
