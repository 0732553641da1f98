/**
 * Spindle I/O: the NIO reactor that turns selector readiness into wakes, the {@code AsyncRead}/{@code AsyncWrite}
 * contract with its futures, and TCP.
 */
module dev.spindle.io {
    requires transitive dev.spindle.executor;
    requires org.jctools.core;

    exports dev.spindle.io;
    exports dev.spindle.net;
    exports dev.spindle.io.testkit;

    // Every runtime built while this module is present can do I/O (SpindleRuntime.Builder.io).
    provides dev.spindle.spi.EventDriverProvider with dev.spindle.io.internal.IoDriverProvider;
}
