/**
 * The Java side of the network benchmark harness driven by {@code perf/net/run.sh}: the clients that load the
 * servers ({@link dev.spindle.perf.net.EchoLoadGenerator}; {@code wrk} for HTTP; the native {@code echo_load}
 * beside this module), the idle-connection holder ({@link dev.spindle.perf.net.IdleConnections}), the probe of
 * the machine's wake-up latency ({@link dev.spindle.perf.net.WakeLatencyProbe}) and the report builder
 * ({@link dev.spindle.perf.net.NetReport}). The servers under load are not here: Spindle's are the examples'
 * ({@code dev.spindle.examples.net}), the peers are in {@code dev.spindle.perf.servers}; the shaded jar of this
 * module packs them all, so the scripts start every server and client from one class path.
 *
 * <p>The TLS harness ({@code dev.spindle.perf.net.tls}) is built from the same parts: the clients are written
 * once against {@link dev.spindle.perf.net.ClientConnection} (plain or TLS), opened by
 * {@link dev.spindle.perf.net.Connector}, loaded by {@link dev.spindle.perf.net.EchoLoad} and measured by
 * {@link dev.spindle.perf.net.Measurement} over the window {@link dev.spindle.perf.net.WindowRecorder} records.
 *
 * <p>Every client prints {@code WINDOW start} and {@code WINDOW end} at the edges of its measured window (the
 * script samples the server's CPU there) and ends with one {@code RESULT key=value ...} line. See
 * {@code perf/README.md} ("Network benchmarks") for how to run it.
 */
package dev.spindle.perf.net;
