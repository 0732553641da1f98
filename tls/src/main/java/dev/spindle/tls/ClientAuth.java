package dev.spindle.tls;

/** Whether a {@link TlsAcceptor} asks the client for a certificate. */
public enum ClientAuth {
    /** No certificate is requested (the default). */
    NONE,
    /** A certificate is requested; a client without one is accepted, a client with an untrusted one is not. */
    WANT,
    /** A trusted client certificate is required; the handshake fails without one. */
    NEED
}
