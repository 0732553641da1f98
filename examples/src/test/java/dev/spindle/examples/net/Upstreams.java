package dev.spindle.examples.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * Plain blocking upstreams for the tests of the relays (the TCP relay, the TLS-terminating proxy): one connection
 * accepted on another thread, a short US-ASCII conversation with it that checks how half-closes cross the relay.
 */
final class Upstreams {
    private Upstreams() {
    }

    /** One side of the conversation with the accepted connection; returns what the upstream heard. */
    @FunctionalInterface
    private interface Conversation {
        String with(Socket s) throws IOException;
    }

    /** Where {@code listener} accepts, as 127.0.0.1. */
    static InetSocketAddress addressOf(ServerSocket listener) {
        return new InetSocketAddress("127.0.0.1", listener.getLocalPort());
    }

    /**
     * An upstream that speaks first and half-closes at once, then reads what the client sends, to EOF: what it
     * heard.
     */
    static CompletableFuture<String> speaksFirst(ServerSocket listener, String text) {
        return acceptOne(listener, s -> {
            s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        });
    }

    /**
     * An upstream that reads what the client sends, to EOF, then answers {@code answer} and half-closes: what it
     * heard.
     */
    static CompletableFuture<String> answersAfterEof(ServerSocket listener, String answer) {
        return acceptOne(listener, s -> {
            String heard = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            s.getOutputStream().write(answer.getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            return heard;
        });
    }

    private static CompletableFuture<String> acceptOne(ServerSocket listener, Conversation conversation) {
        return CompletableFuture.supplyAsync(() -> {
            try (Socket s = listener.accept()) {
                s.setSoTimeout(20_000);
                return conversation.with(s);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
