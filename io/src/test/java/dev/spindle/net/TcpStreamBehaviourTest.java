package dev.spindle.net;

import dev.spindle.JoinHandle;
import dev.spindle.io.testkit.StreamBehaviourSuite;

import java.net.InetSocketAddress;
import java.time.Duration;

/** The stream behaviour suite over TCP on loopback, through the reactor. */
class TcpStreamBehaviourTest extends StreamBehaviourSuite<TcpStream> {
    @Override
    protected Pair<TcpStream> connect() throws Exception {
        try (TcpListener l = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0))) {
            JoinHandle<TcpStream> accepted = rt.spawn(l.accept());
            TcpStream near = rt.blockOn(TcpStream.connect(l.localAddress()));
            return new Pair<>(near, accepted.join(Duration.ofSeconds(10)));
        }
    }

    @Override
    protected Halves halves(TcpStream stream) {
        dev.spindle.io.Split.Halves<TcpStream> h = stream.split();
        return new Halves(h.reader(), h.writer());
    }
}
