/**
 * Built-in diagnostics: what each task is (its name, type chain and spawn site), what it has done (per-task
 * counters), and the detectors that find the classic async bugs in code the runtime did not write.
 *
 * <h2>The detectors (all on by default, see {@code SpindleRuntime.Builder})</h2>
 * <ul>
 *   <li><b>Busy loop</b> ({@link BusyLoop}): a task polled again and again without progress, woken by itself or by
 *       someone else, judged over a window. Policy {@link BusyLoopPolicy}: report, throttle or abort.</li>
 *   <li><b>Lost wakeup</b> ({@link LostWakeup}): a task whose last poll returned Pending without taking its waker,
 *       and that nothing has woken since.</li>
 *   <li><b>Slow poll</b> ({@link SlowPoll}): a poll that holds its worker longer than a threshold, with a stack
 *       sample of the worker taken during the poll.</li>
 * </ul>
 * Reports go to {@code System.Logger} {@code dev.spindle.diagnostics.*} at WARNING (rate-limited per task), to JFR,
 * to the runtime's counters, and to a listener if the builder set one. Nothing is reported while all is healthy.
 *
 * <h2>Progress</h2>
 * Spindle's own leaf resources (sockets, TLS records, channels, timers, join handles) call
 * {@link dev.spindle.Context#markProgress()} when something really moved. A future that owns its own resource can
 * do the same. {@code Futures.yieldNow()} and a spent cooperative budget are declared yields
 * ({@link dev.spindle.Context#declareYield()}), never a busy loop.
 *
 * <h2>JFR, JMX and metrics</h2>
 * <ul>
 *   <li><b>JFR</b>: the reports are the events {@code dev.spindle.BusyLoop}, {@code dev.spindle.LostWakeup} and
 *       {@code dev.spindle.SlowPoll} (category {@code Spindle}; the runtime, the task's id, name, type chain and
 *       spawn site, and the report's numbers; a slow poll's sampled stack as text), and each live runtime commits a
 *       periodic {@code dev.spindle.RuntimeStatistics} with its {@code RuntimeMetrics}. They are enabled by default,
 *       so any recording has them; the executor jar ships a settings file with just these,
 *       {@code dev/spindle/diagnostics/spindle.jfc}: extract it ({@code unzip -p spindle-executor.jar
 *       dev/spindle/diagnostics/spindle.jfc > spindle.jfc}) and start a recording with
 *       {@code -XX:StartFlightRecording:settings=default,settings=spindle.jfc,filename=app.jfr}.</li>
 *   <li><b>JMX</b>: each runtime registers a {@link SpindleRuntimeMXBean} as
 *       {@code dev.spindle:type=Runtime,name=<name>} (see there).</li>
 *   <li><b>Micrometer</b>: the {@code spindle-micrometer} module's {@code SpindleRuntimeMetrics} binds the same
 *       counters to a {@code MeterRegistry}.</li>
 * </ul>
 */
package dev.spindle.diagnostics;
