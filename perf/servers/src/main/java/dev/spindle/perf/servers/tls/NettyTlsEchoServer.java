package dev.spindle.perf.servers.tls;

import dev.spindle.perf.servers.NettyEchoServer;
import dev.spindle.perf.servers.NettyServers;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

/**
 * The Netty peer of Spindle's TLS echo server: {@code NettyEchoServer} (NIO transport, Netty 4.2's
 * {@link MultiThreadIoEventLoopGroup} with {@link NioIoHandler}, {@code --workers} event loops serving both the
 * listening socket and the connections) with an {@code SslHandler} first in every pipeline, made by
 * {@link SslContextBuilder} with {@link SslProvider#JDK}: the JDK's own {@code SSLEngine}, as Spindle's default
 * engine is, so the two differ only in how they drive it.
 *
 * <p>The event loops are {@link NettyServers}', and the echo handler is the plain server's
 * ({@link NettyEchoServer.EchoHandler}): {@code write} each decrypted buffer as it is and {@code flush} once per
 * read burst in {@code channelReadComplete}; {@code SslHandler} encrypts on flush. Everything else is Netty's
 * default: its allocator, and delegated handshake tasks run on the event loop. When the client's close_notify
 * arrives, {@code SslHandler} answers it and closes the channel; without half-closure a bare FIN closes it too.
 */
public final class NettyTlsEchoServer {
    private NettyTlsEchoServer() {
    }

    public static void main(String[] args) throws Exception {
        TlsServerOptions options = TlsServerOptions.parse(args, "NettyTlsEchoServer");
        SslContext ssl = SslContextBuilder
                .forServer(BenchTls.certificate(options.certDir()).toFile(),
                        BenchTls.privateKey(options.certDir()).toFile())
                .sslProvider(SslProvider.JDK)
                .protocols(options.protocol())
                .build();
        NettyServers.serve(options.server(), false, pipeline -> pipeline.addLast(
                ssl.newHandler(pipeline.channel().alloc()), NettyEchoServer.EchoHandler.INSTANCE));
    }
}
