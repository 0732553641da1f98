package dev.spindle.perf.servers;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;

/**
 * The Netty peer of Spindle's echo server: NIO transport, Netty 4.2's {@code MultiThreadIoEventLoopGroup} with
 * {@code NioIoHandler}, {@code --workers} event loops. Written the way Netty's own {@code EchoServerHandler}
 * example is: {@code write} each received buffer as it is (no copy: the pooled read buffer goes straight back
 * out) and {@code flush} once per read burst in {@code channelReadComplete}.
 *
 * <p>The event-loop group, its threads and its allocator are {@link NettyServers}'.
 *
 * <p>Half-close: with {@link ChannelOption#ALLOW_HALF_CLOSURE}, the peer's EOF arrives as a
 * {@link ChannelInputShutdownEvent}; the server flushes what it still owes, shuts its output down and closes.
 */
public final class NettyEchoServer {
    private NettyEchoServer() {
    }

    public static void main(String[] args) throws InterruptedException {
        NettyServers.serve(ServerOptions.parse(args, "NettyEchoServer"), true,
                pipeline -> pipeline.addLast(EchoHandler.INSTANCE));
    }

    /** Stateless, so one instance serves every connection (the TLS peer's too, after its {@code SslHandler}). */
    @ChannelHandler.Sharable
    public static final class EchoHandler extends ChannelInboundHandlerAdapter {
        public static final EchoHandler INSTANCE = new EchoHandler();

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
            // A reset by the load generator at the end of a run is normal, as is (TLS) a failed handshake or a
            // handshake client's reset: the connection just ends.
            ctx.close();
        }
    }
}
