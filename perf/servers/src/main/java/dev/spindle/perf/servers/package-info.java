/**
 * The peer servers the network benchmarks measure Spindle's example servers against, and what every server and
 * client of the benchmarks agrees on.
 *
 * <p>Peers: Netty on its NIO transport ({@link dev.spindle.perf.servers.NettyEchoServer},
 * {@link dev.spindle.perf.servers.NettyHttpServer}, on {@link dev.spindle.perf.servers.NettyServers}) and blocking
 * sockets with a virtual thread per connection ({@link dev.spindle.perf.servers.BlockingEchoServer},
 * {@link dev.spindle.perf.servers.BlockingHttpServer}, on {@link dev.spindle.perf.servers.BlockingServers}). Each is
 * written the way its users would write it, not the way Spindle works.
 *
 * <p>Agreements: the {@code --name value} command line of every benchmark main ({@link dev.spindle.perf.servers.Cli}),
 * the servers' part of it and their readiness line ({@link dev.spindle.perf.servers.ServerOptions}: every server
 * takes the same {@code --port P --host H --workers N} as the Spindle examples and prints the same
 * {@code listening on HOST:PORT}, so {@code perf/net/run.sh} starts each kind the same way), and the bytes of the
 * HTTP "hello" shape ({@link dev.spindle.perf.servers.Hello}). The TLS peers and the benchmark certificate are in
 * {@code dev.spindle.perf.servers.tls}.
 *
 * <p>The plumbing of Spindle's own example servers, which the benchmarks load, is beside them:
 * {@code dev.spindle.perf.servers.kit} (command line, accept loop, buffer pool, TLS set-up) and
 * {@code dev.spindle.perf.servers.http} (the HTTP/1.1 connection, parser and responses).
 */
package dev.spindle.perf.servers;
