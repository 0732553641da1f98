package dev.spindle.perf.servers;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

/**
 * The Netty peer of Spindle's HTTP/1.1 keep-alive "hello" server: NIO transport, Netty 4.2's
 * {@link MultiThreadIoEventLoopGroup} with {@link NioIoHandler}, {@code --workers} event loops serving both the
 * listening socket and the connections (see {@link NettyServers} for why one group). The pipeline is the one
 * of Netty's own {@code HttpHelloWorldServer} example: {@link HttpServerCodec} and a handler that writes a
 * {@link DefaultFullHttpResponse} per request and flushes once per read burst in {@code channelReadComplete}
 * (pipelined requests share one flush).
 *
 * <p>{@code GET /} and {@code GET /hello} get exactly {@link Hello#RESPONSE}: the header names are spelled with
 * capitals (Netty's {@code HttpHeaderNames} constants are lower case, which is legal but would make the bytes on
 * the wire differ from the other servers'). Keep-alive follows the request: HTTP/1.1 keeps the connection unless
 * it says {@code Connection: close}; HTTP/1.0 closes it unless it says {@code keep-alive}. Other paths get 404,
 * other methods 405, both with an empty body.
 */
public final class NettyHttpServer {
    private NettyHttpServer() {
    }

    public static void main(String[] args) throws InterruptedException {
        NettyServers.serve(ServerOptions.parse(args, "NettyHttpServer"), false,
                pipeline -> pipeline.addLast(new HttpServerCodec(), HelloHandler.INSTANCE));
    }

    /** Stateless, so one instance serves every connection; the codec before it is per connection. */
    @ChannelHandler.Sharable
    static final class HelloHandler extends SimpleChannelInboundHandler<HttpObject> {
        static final HelloHandler INSTANCE = new HelloHandler();

        private static final AsciiString CONTENT_TYPE = AsciiString.cached("Content-Type");
        private static final AsciiString CONTENT_LENGTH = AsciiString.cached("Content-Length");
        private static final AsciiString CONNECTION = AsciiString.cached("Connection");
        private static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain");
        private static final AsciiString CLOSE = AsciiString.cached("close");
        private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            // The codec also passes the (empty) body of each request as HttpContent; only the head needs an answer.
            if (!(msg instanceof HttpRequest request)) {
                return;
            }
            FullHttpResponse response;
            String uri = request.uri();
            if (!HttpMethod.GET.equals(request.method())) {
                response = empty(HttpResponseStatus.METHOD_NOT_ALLOWED);
            } else if (uri.equals("/") || uri.equals("/hello")) {
                response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.wrappedBuffer(Hello.BODY_BYTES));
                response.headers()
                        .set(CONTENT_TYPE, TEXT_PLAIN)
                        .setInt(CONTENT_LENGTH, Hello.BODY_BYTES.length);
            } else {
                response = empty(HttpResponseStatus.NOT_FOUND);
            }
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (!keepAlive) {
                response.headers().set(CONNECTION, CLOSE);
            } else if (!request.protocolVersion().isKeepAliveDefault()) {
                response.headers().set(CONNECTION, KEEP_ALIVE);
            }
            ChannelFuture written = ctx.write(response);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        private static FullHttpResponse empty(HttpResponseStatus status) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.EMPTY_BUFFER);
            response.headers().setInt(CONTENT_LENGTH, 0);
            return response;
        }
    }
}
