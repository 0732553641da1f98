package dev.spindle.perf;

import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.EventExecutor;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * A Netty event-loop group with two NIO event loops (Netty 4.2's {@link MultiThreadIoEventLoopGroup}, the
 * successor of {@code NioEventLoopGroup}); one per trial. {@link #loops} holds both loops, for shapes that
 * place their two parties on different loops.
 */
@State(Scope.Benchmark)
public class NettyState {
    static final int THREADS = 2;

    public MultiThreadIoEventLoopGroup group;
    public EventLoop[] loops;

    @Setup(Level.Trial)
    public void setUp() {
        group = new MultiThreadIoEventLoopGroup(THREADS, NioIoHandler.newFactory());
        loops = new EventLoop[THREADS];
        int i = 0;
        for (EventExecutor e : group) {
            loops[i++] = (EventLoop) e;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
