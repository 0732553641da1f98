package dev.spindle.perf.servers;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;

import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * How every Netty peer server runs: NIO transport, Netty 4.2's {@link MultiThreadIoEventLoopGroup} with
 * {@link NioIoHandler}, and one group of {@code --workers} event loops serving both the listening socket and the
 * connections, so the server uses exactly {@code --workers} threads, as the Spindle server (whose accept loop is
 * a task on its workers) and the virtual-thread server (whose acceptor is a virtual thread on the same carriers)
 * do; a separate boss thread would hand Netty a third thread on a two-core machine. Accepted sockets get
 * TCP_NODELAY; buffers come from Netty's default allocator (4.2: the adaptive pooling allocator, direct buffers).
 */
public final class NettyServers {
    private NettyServers() {
    }

    /**
     * Binds {@code options.address()}, prints the readiness line and serves until the process is killed, each
     * connection's pipeline set up by {@code pipeline}. {@code halfClosure} sets
     * {@link ChannelOption#ALLOW_HALF_CLOSURE}, for a handler that answers the peer's EOF itself.
     */
    public static void serve(ServerOptions options, boolean halfClosure, Consumer<ChannelPipeline> pipeline)
            throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(options.workers(), NioIoHandler.newFactory());
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            pipeline.accept(ch.pipeline());
                        }
                    });
            if (halfClosure) {
                bootstrap.childOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            }
            Channel server = bootstrap.bind(options.address()).sync().channel();
            ServerOptions.announce((InetSocketAddress) server.localAddress());
            server.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }
}
