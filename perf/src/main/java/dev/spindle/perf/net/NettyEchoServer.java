package dev.spindle.perf.net;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;

import java.net.InetSocketAddress;

/**
 * The Netty peer of Spindle's echo server: NIO transport, Netty 4.2's {@link MultiThreadIoEventLoopGroup} with
 * {@link NioIoHandler}, {@code --workers} event loops. Written the way Netty's own {@code EchoServerHandler}
 * example is: {@code write} each received buffer as it is (no copy: the pooled read buffer goes straight back
 * out) and {@code flush} once per read burst in {@code channelReadComplete}.
 *
 * <p>The one event-loop group serves both the listening socket and the connections, so the server uses
 * exactly {@code --workers} threads, as the Spindle server (whose accept loop is a task on its workers) and the
 * virtual-thread server (whose acceptor is a virtual thread on the same carriers) do; a separate boss thread
 * would hand Netty a third thread on a two-core machine. Buffers come from Netty's default allocator (4.2: the
 * adaptive pooling allocator, direct buffers).
 *
 * <p>Half-close: with {@link ChannelOption#ALLOW_HALF_CLOSURE}, the peer's EOF arrives as a
 * {@link ChannelInputShutdownEvent}; the server flushes what it still owes, shuts its output down and closes.
 */
public final class NettyEchoServer {
    private NettyEchoServer() {
    }

    public static void main(String[] args) throws InterruptedException {
        ServerOptions options = ServerOptions.parse(args, "NettyEchoServer");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(options.workers(), NioIoHandler.newFactory());
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(EchoHandler.INSTANCE);
                        }
                    });
            Channel server = bootstrap.bind(options.address()).sync().channel();
            ServerOptions.announce((InetSocketAddress) server.localAddress());
            server.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }

    /** Stateless, so one instance serves every connection. */
    @ChannelHandler.Sharable
    static final class EchoHandler extends ChannelInboundHandlerAdapter {
        static final EchoHandler INSTANCE = new EchoHandler();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof ChannelInputShutdownEvent) {
                // The empty write completes after every earlier write has reached the socket; shutting the output
                // down before that would fail the writes still queued.
                SocketChannel ch = (SocketChannel) ctx.channel();
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess()) {
                        ch.shutdownOutput().addListener(ChannelFutureListener.CLOSE);
                    } else {
                        ch.close();
                    }
                });
            } else {
                super.userEventTriggered(ctx, evt);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A reset by the load generator at the end of a run is normal; the connection just ends.
            ctx.close();
        }
    }
}
