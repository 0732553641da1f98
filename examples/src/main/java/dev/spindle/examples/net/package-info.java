/**
 * Six small network servers written directly against Spindle's poll API, meant to be read as examples and
 * run as benchmark targets.
 *
 * <ul>
 *   <li>{@link dev.spindle.examples.net.EchoServer}: TCP echo, one task per connection.</li>
 *   <li>{@link dev.spindle.examples.net.HelloHttpServer}: a small HTTP/1.1 server (keep-alive, pipelining,
 *       streamed bodies, strict limits).</li>
 *   <li>{@link dev.spindle.examples.net.TcpRelay}: a TCP proxy to one upstream address.</li>
 *   <li>{@link dev.spindle.examples.net.TlsEchoServer}: the echo server behind a TLS handshake (JDK or BoringSSL
 *       engine).</li>
 *   <li>{@link dev.spindle.examples.net.HttpsHelloServer}: the HTTP server behind TLS, with ALPN http/1.1.</li>
 *   <li>{@link dev.spindle.examples.net.TlsTerminatingProxy}: TLS in front, the relay's plaintext to a plain TCP
 *       upstream behind; immune to the close_notify busy loop that once melted another runtime's proxy.</li>
 * </ul>
 *
 * <p>There is no async/await: every connection is a hand-written {@link dev.spindle.Future} whose fields are
 * its state, advanced by {@code poll} until the socket says "would block", at which point the socket has
 * registered the task's waker and {@code poll} returns {@code Pending}. Each server has
 * {@code start(runtime, address, ...)} returning a {@link dev.spindle.perf.servers.kit.ServerHandle}, and a
 * {@code main} with the command line the benchmark scripts use:
 * {@code --port P --host H --workers N} (and {@code --upstream host:port} for the relays, {@code --cert-dir},
 * {@code --protocol}, {@code --engine} for TLS); it prints {@code listening on HOST:PORT} once bound, then serves
 * until stopped.
 *
 * <p>What every server needs but none of them teaches (the command line, the accept loop, the per-worker buffer
 * pool, the TLS handshake before the protocol) and the HTTP/1.1 machinery behind the two HTTP servers (the
 * connection state machine, the request parser, the response bytes) live in the {@code spindle-perf-servers}
 * module ({@code dev.spindle.perf.servers.kit} and {@code dev.spindle.perf.servers.http}), shared with the
 * benchmarks' own servers.
 */
package dev.spindle.examples.net;
