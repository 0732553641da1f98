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
 */
package dev.spindle.diagnostics;
