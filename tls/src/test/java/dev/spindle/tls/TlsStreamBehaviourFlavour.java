package dev.spindle.tls;

import dev.spindle.JoinHandle;
import dev.spindle.io.testkit.StreamBehaviourSuite;
import dev.spindle.net.TcpListener;
import dev.spindle.net.TcpStream;

import java.time.Duration;

/** The stream behaviour suite over TLS on TCP loopback; the subclasses choose the engine. */
abstract class TlsStreamBehaviourFlavour extends StreamBehaviourSuite<TlsStream<TcpStream>> {
    /** The engine both ends use. */
    abstract TlsEngine engine();

    @Override
    protected Pair<TlsStream<TcpStream>> connect() throws Exception {
        try (TcpListener l = TcpListener.bind(TlsTestSupport.ANY_LOOPBACK)) {
            JoinHandle<TlsStream<TcpStream>> accepted = rt.spawn(
                    TlsTestSupport.acceptTls(l, TlsTestSupport.acceptor(engine())));
            TlsStream<TcpStream> near = rt.blockOn(
                    TlsTestSupport.connectTls(l.localAddress().getPort(), TlsTestSupport.connector(engine())));
            return new Pair<>(near, accepted.join(Duration.ofSeconds(10)));
        }
    }

    @Override
    protected Halves halves(TlsStream<TcpStream> stream) {
        dev.spindle.io.Split.Halves<TlsStream<TcpStream>> h = stream.split();
        return new Halves(h.reader(), h.writer());
    }
}
