/**
 * The network benchmark harness: the peer servers Spindle's echo and HTTP "hello" examples are measured against
 * (Netty on its NIO transport, and blocking sockets with a virtual thread per connection), the clients that load
 * them ({@link dev.spindle.perf.net.EchoLoadGenerator}; {@code wrk} for HTTP), the idle-connection holder
 * ({@link dev.spindle.perf.net.IdleConnections}) and the report builder ({@link dev.spindle.perf.net.NetReport}).
 *
 * <p>The TLS harness ({@code dev.spindle.perf.net.tls}) is built from the same parts: the clients are written
 * once against {@link dev.spindle.perf.net.ClientConnection} (plain or TLS), opened by
 * {@link dev.spindle.perf.net.Connector}, loaded by {@link dev.spindle.perf.net.EchoLoad} and measured by
 * {@link dev.spindle.perf.net.Measurement}; the peer servers run on {@link dev.spindle.perf.net.NettyServers} and
 * {@link dev.spindle.perf.net.BlockingServers}.
 *
 * <p>Every server takes the same command line as the Spindle examples ({@code --port P --host H --workers N}) and
 * prints the same {@code listening on HOST:PORT} line, so {@code perf/net/run.sh} starts each kind the same way,
 * in its own JVM with the same flags. See {@code perf/README.md} ("Network benchmarks") for how to run it.
 */
package dev.spindle.perf.net;
