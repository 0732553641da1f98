/**
 * Spindle I/O: the NIO reactor that turns selector readiness into wakes, the {@code AsyncRead}/{@code AsyncWrite}
 * contract with its futures, and TCP. The in-memory stream for tests is in spindle-io-testkit.
 */
module dev.spindle.io {
    requires transitive dev.spindle.executor;
    requires org.jctools.core;

    exports dev.spindle.io;
    exports dev.spindle.net;

    // Every runtime built while this module is present can do I/O (SpindleRuntime.Builder.io).
    provides dev.spindle.spi.EventDriverProvider with dev.spindle.io.internal.IoDriverProvider;
}
