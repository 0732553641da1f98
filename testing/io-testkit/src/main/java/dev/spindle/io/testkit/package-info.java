/**
 * Test support for code that reads and writes Spindle streams.
 *
 * <ul>
 *   <li>{@link dev.spindle.io.testkit.MockStream}: a scripted stream (reads to hand out, writes to expect,
 *       pendings, errors, EOF), for testing a protocol handler without a socket.</li>
 *   <li>{@link dev.spindle.io.testkit.MemoryStream}: an in-memory connection (two ends, bounded buffers), for
 *       testing with a live peer and no socket.</li>
 *   <li>{@link dev.spindle.io.testkit.StreamBehaviourSuite}: the behaviour every stream promises (echo, half-close,
 *       close waking waiters, EOF that sticks, halves used from two tasks, the cooperative budget), one abstract
 *       JUnit class each stream flavour extends.</li>
 *   <li>{@link dev.spindle.io.testkit.EnginePeer}: a blocking TLS peer on a raw socket driving the JDK's own
 *       {@code SSLEngine}, so a test decides every byte on the wire (records after close_notify, alerts, a
 *       ClientHello one byte at a time).</li>
 *   <li>{@link dev.spindle.io.testkit.BusyReader}: a reader that spins at end of stream, for busy-loop detector
 *       tests.</li>
 *   <li>{@link dev.spindle.io.testkit.Sink}: takes every write, never has anything to read.</li>
 *   <li>{@link dev.spindle.io.testkit.Ports}: waiting until a closed listener's port refuses connections.</li>
 * </ul>
 *
 * <p>The io module's own tests compile these sources into themselves rather than depend on this artifact (which
 * depends on io): see the io module's pom.
 */
package dev.spindle.io.testkit;
