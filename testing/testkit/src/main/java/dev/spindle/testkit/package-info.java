/**
 * Test support for code that runs on Spindle, in the spirit of {@code tokio-test}.
 *
 * <ul>
 *   <li>Polling by hand: {@link dev.spindle.testkit.MockTask} polls one future with a
 *       {@link dev.spindle.testkit.RecordingWaker} in a {@link dev.spindle.testkit.TestContext}, so a test sees
 *       exactly when a future woke its task and whether it returned {@code Pending} with no way to be woken.</li>
 *   <li>Small futures for runtime tests: {@link dev.spindle.testkit.TestFutures}.</li>
 *   <li>Meters: {@link dev.spindle.testkit.WorkerThreads} sums the CPU time and allocated bytes of a runtime's
 *       workers (a busy loop or a steady-state allocation shows there);
 *       {@link dev.spindle.testkit.DiagnosticReports} collects a runtime's diagnostics reports.</li>
 *   <li>The runtime behaviour suite, {@link dev.spindle.testkit.RuntimeBehaviourSuite}: one abstract JUnit class
 *       that every runtime flavour (worker counts, with or without the I/O driver) extends.</li>
 * </ul>
 *
 * <p>The executor's own tests compile these sources into themselves rather than depend on this artifact (which
 * depends on the executor): see the executor's pom.
 */
package dev.spindle.testkit;
