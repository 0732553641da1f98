package dev.spindle.io;

import dev.spindle.SpindleRuntime;
import dev.spindle.io.internal.IoDriver;
import dev.spindle.net.TcpListener;
import dev.spindle.net.TcpStream;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** With the I/O module present, the one runtime builder makes runtimes that can do I/O (ServiceLoader). */
class RuntimeIoTest {

    @Test
    void thePlainBuilderFindsTheReactorAndEachRuntimeGetsItsOwn() throws Exception {
        try (SpindleRuntime a = SpindleRuntime.builder().workers(1).build();
             SpindleRuntime b = SpindleRuntime.builder().workers(1).io(true).build()) {
            assertThat(a.eventDriver()).get().isInstanceOf(IoDriver.class);
            assertThat(b.eventDriver()).get().isInstanceOf(IoDriver.class);
            assertThat(a.eventDriver().get()).isNotSameAs(b.eventDriver().get());
            assertThat(echoOneByte(a)).isEqualTo((byte) 7);
        }
    }

    @Test
    void aRuntimeBuiltWithoutIoSaysSoAtTheFirstSocket() {
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(1).io(false).build()) {
            assertThat(rt.eventDriver()).isEmpty();
            assertThatThrownBy(() -> echoOneByte(rt))
                    .hasRootCauseInstanceOf(IllegalStateException.class)
                    .rootCause().hasMessageContaining("built without I/O").hasMessageContaining("io(false)");
        }
    }

    /** Connects, accepts and sends one byte through the runtime's reactor. */
    private static byte echoOneByte(SpindleRuntime rt) throws Exception {
        try (TcpListener listener = TcpListener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             TcpStream client = rt.blockOn(TcpStream.connect(listener.localAddress()));
             TcpStream server = rt.blockOn(listener.accept())) {
            ByteBuffer in = ByteBuffer.allocate(1);
            rt.blockOn(Io.writeAll(client, ByteBuffer.wrap(new byte[] {7})));
            rt.blockOn(Io.readExact(server, in));
            return in.get(0);
        }
    }
}
