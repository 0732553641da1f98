/**
 * The peer TLS echo servers Spindle's {@code dev.spindle.examples.net.TlsEchoServer} is measured against (Netty's
 * {@code SslHandler} on the JDK provider, {@link dev.spindle.perf.servers.tls.NettyTlsEchoServer}, and a blocking
 * {@code SSLServerSocket} with a virtual thread per connection,
 * {@link dev.spindle.perf.servers.tls.BlockingTlsEchoServer}), and what every TLS server and client of the
 * benchmarks agrees on: the benchmark certificate ({@link dev.spindle.perf.servers.tls.MakeCert}), one protocol
 * version and, for the clients, one key exchange and one cipher suite ({@link dev.spindle.perf.servers.tls.BenchTls},
 * {@link dev.spindle.perf.servers.tls.PinnedTrustManager}).
 *
 * <p>Every server takes the plain servers' command line plus {@code --cert-dir DIR} (holding {@code cert.pem} and
 * {@code key.pem}) and {@code --protocol TLSv1.3|TLSv1.2}, and prints the same {@code listening on HOST:PORT}
 * line, so {@code perf/net/run-tls.sh} starts each kind the same way. See {@code perf/README.md} ("TLS
 * benchmarks").
 */
package dev.spindle.perf.servers.tls;
