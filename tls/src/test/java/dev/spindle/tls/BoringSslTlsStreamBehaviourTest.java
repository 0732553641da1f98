package dev.spindle.tls;

/** The stream behaviour suite over TLS with BoringSSL (Conscrypt), a test dependency of this module. */
class BoringSslTlsStreamBehaviourTest extends TlsStreamBehaviourFlavour {
    @Override
    TlsEngine engine() {
        return TlsEngine.BORINGSSL;
    }

    /** BoringSSL closes both directions when the peer's close_notify arrives (TlsStream documents it). */
    @Override
    protected boolean writesAfterPeerShutdown() {
        return false;
    }
}
