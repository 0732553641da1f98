/**
 * The plumbing of Spindle's example servers ({@code dev.spindle.examples.net}), kept out of the examples so that
 * each of them reads in a few minutes, and shared with the benchmarks that load them: the command line the
 * benchmark scripts depend on ({@link dev.spindle.perf.servers.kit.ServerCli}), a running server and its accept
 * loop ({@link dev.spindle.perf.servers.kit.ServerHandle}, {@link dev.spindle.perf.servers.kit.Acceptor}), the
 * per-worker buffer cache that lets an idle connection hold no buffer
 * ({@link dev.spindle.perf.servers.kit.BufferPool}), the TLS acceptor a command line asks for
 * ({@link dev.spindle.perf.servers.kit.TlsAcceptors}) and the server handshake before a connection's protocol
 * ({@link dev.spindle.perf.servers.kit.HandshakeThen}).
 */
package dev.spindle.perf.servers.kit;
