/**
 * The clients of the TLS network benchmarks driven by {@code perf/net/run-tls.sh}: the TLS echo load
 * ({@link dev.spindle.perf.net.tls.TlsEchoLoad}), full handshakes ({@link dev.spindle.perf.net.tls.HandshakeLoad})
 * and the idle TLS connection holder ({@link dev.spindle.perf.net.tls.TlsIdleConnections}), over the TLS client
 * connection ({@link dev.spindle.perf.net.tls.TlsConn}). The servers they load, and the benchmark certificate and
 * TLS settings both sides agree on, are in {@code dev.spindle.perf.servers.tls}; the rest is the plain harness's
 * ({@code dev.spindle.perf.net}). See {@code perf/README.md} ("TLS benchmarks").
 */
package dev.spindle.perf.net.tls;
