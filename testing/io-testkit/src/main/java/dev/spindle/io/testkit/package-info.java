/**
 * Test support for code that reads and writes Spindle streams.
 *
 * <ul>
 *   <li>{@link dev.spindle.io.testkit.MockStream}: a scripted stream (reads to hand out, writes to expect,
 *       pendings, errors, EOF), for testing a protocol handler without a socket.</li>
 * </ul>
 *
 * <p>The io module's own tests compile these sources into themselves rather than depend on this artifact (which
 * depends on io): see the io module's pom.
 */
package dev.spindle.io.testkit;
