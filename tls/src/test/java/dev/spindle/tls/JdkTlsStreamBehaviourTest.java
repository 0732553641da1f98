package dev.spindle.tls;

/** The stream behaviour suite over TLS with the JDK's engine. */
class JdkTlsStreamBehaviourTest extends TlsStreamBehaviourFlavour {
    @Override
    TlsEngine engine() {
        return TlsEngine.JDK;
    }
}
