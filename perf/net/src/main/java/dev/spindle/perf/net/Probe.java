package dev.spindle.perf.net;

import dev.spindle.perf.servers.Hello;

/** What a new connection sends, once connected (and after its TLS handshake), to prove the server serves it. */
public enum Probe {
    /** Nothing: the connection counts as open once the TCP (and TLS) handshake completes. */
    NONE(new byte[0], new byte[0]),
    /** One byte, which an echo server sends back. */
    ECHO(new byte[] {'p'}, new byte[] {'p'}),
    /** One keep-alive {@code GET /}, answered with exactly {@link Hello#RESPONSE}. */
    HTTP(Hello.REQUEST, Hello.RESPONSE);

    final byte[] request;
    final byte[] response;

    Probe(byte[] request, byte[] response) {
        this.request = request;
        this.response = response;
    }

    static Probe parse(String name) {
        return switch (name) {
            case "none" -> NONE;
            case "echo" -> ECHO;
            case "http" -> HTTP;
            default -> throw new IllegalArgumentException("unknown probe " + name + " (none, echo, http)");
        };
    }
}
