/**
 * The TLS network benchmarks: the peer TLS echo servers Spindle's {@code dev.spindle.examples.net.TlsEchoServer}
 * is measured against (Netty's {@code SslHandler} on the JDK provider, and a blocking {@code SSLServerSocket} with a
 * virtual thread per connection), the clients that load them ({@link dev.spindle.perf.net.tls.TlsEchoLoad},
 * {@link dev.spindle.perf.net.tls.HandshakeLoad}, {@link dev.spindle.perf.net.tls.TlsIdleConnections}), the
 * benchmark certificate ({@link dev.spindle.perf.net.tls.MakeCert}) and the TLS client connection
 * ({@link dev.spindle.perf.net.tls.TlsConn}). The rest is the plain harness's ({@code dev.spindle.perf.net}): the
 * command lines, the servers' event loops and accept loops, the connector, the echo loop, the measured window,
 * the idle holder and the report ({@code NetReport}).
 *
 * <p>Every server takes the plain servers' command line plus {@code --cert-dir DIR} (holding {@code cert.pem} and
 * {@code key.pem}) and {@code --protocol TLSv1.3|TLSv1.2}, and prints the same {@code listening on HOST:PORT}
 * line, so {@code perf/net/run-tls.sh} starts each kind the same way. See {@code perf/README.md} ("TLS
 * benchmarks").
 */
package dev.spindle.perf.net.tls;
