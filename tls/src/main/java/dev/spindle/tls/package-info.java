/**
 * TLS for Spindle streams.
 *
 * <pre>{@code
 * SelfSigned cert = SelfSigned.generate("localhost");
 * TlsAcceptor acceptor = TlsAcceptor.builder(cert.serverContext()).alpn("h2", "http/1.1").build();
 * TlsConnector connector = TlsConnector.builder(cert.trustContext()).alpn("http/1.1").build();
 *
 * // server task:  listener.accept().flatMap(acceptor::accept)        -> Future<TlsStream<TcpStream>>
 * // client task:  TcpStream.connect(addr).flatMap(s -> connector.connect("localhost", s))
 * }</pre>
 *
 * <p>{@link dev.spindle.tls.TlsStream} documents the protocol: how the engine is driven, which role owns what,
 * and the two invariants (no {@code Pending} without a registered waker, no wake without progress).
 */
package dev.spindle.tls;
