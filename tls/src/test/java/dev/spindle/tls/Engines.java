package dev.spindle.tls;

import org.junit.jupiter.params.provider.Arguments;

import javax.net.ssl.SSLContext;
import java.util.stream.Stream;

/**
 * The engines every behavioural test runs over ({@code @MethodSource("dev.spindle.tls.Engines#all")}): the JDK's
 * and BoringSSL. BoringSSL is a test dependency of this module, so it is always there: a run without it fails
 * rather than silently testing one engine.
 */
final class Engines {
    private Engines() {
    }

    /** Every engine. */
    static Stream<TlsEngine> all() {
        return Stream.of(TlsEngine.values());
    }

    /** Every engine with every protocol version: (engine, "TLSv1.2"), (engine, "TLSv1.3"). */
    static Stream<Arguments> withProtocols() {
        return all().flatMap(e -> Stream.of(Arguments.of(e, "TLSv1.2"), Arguments.of(e, "TLSv1.3")));
    }

    /** The context {@code engine}'s engines come from, for tests that make engines by hand (MemoryTls). */
    static SSLContext context(TlsEngine engine, SSLContext jdkContext) {
        return engine == TlsEngine.BORINGSSL ? BoringSsl.contextFor(jdkContext) : jdkContext;
    }
}
