package dev.spindle.tls;

/**
 * What a {@code Pending} poll of a {@link TlsStream} waits on, for task dumps
 * ({@code TlsStream over TcpStream a -> b: readable}, {@code ...: handshake (unwrap)}).
 *
 * <p>Made once per stream and kind and handed to {@code Context.waitingOn} without allocating; the text is built
 * only when a dump asks, from {@link StreamState#handshakeDone()} read without the stream's lock (a stale answer
 * is fine in a dump).
 */
final class TlsWaiting {
    private final Object transport;
    private final StreamState state;
    private final String what;
    private final String duringHandshake;

    TlsWaiting(Object transport, StreamState state, String what, String duringHandshake) {
        this.transport = transport;
        this.state = state;
        this.what = what;
        this.duringHandshake = duringHandshake;
    }

    @Override
    public String toString() {
        return "TlsStream over " + transport + ": " + (state.handshakeDone() ? what : duringHandshake);
    }
}
