/**
 * The HTTP/1.1 side of the example servers {@code HelloHttpServer} and {@code HttpsHelloServer}: one connection's
 * state machine ({@link dev.spindle.perf.servers.http.HttpConnection}), the request-head parser
 * ({@link dev.spindle.perf.servers.http.HttpRequestParser}), the routes
 * ({@link dev.spindle.perf.servers.http.HttpRoute}), the response bytes
 * ({@link dev.spindle.perf.servers.http.HttpResponses}) and the pattern served by {@code GET /bytes/{n}}
 * ({@link dev.spindle.perf.servers.http.BytePattern}). The routes, limits and protocol rules are described on
 * {@code dev.spindle.examples.net.HelloHttpServer}, the server a reader starts from.
 */
package dev.spindle.perf.servers.http;
