package dev.spindle.examples.net;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.function.Consumer;

/**
 * Blocking JDK TLS clients ({@link SSLSocket}) for the tests of the TLS servers: a TLS implementation the server
 * does not share when it runs BoringSSL.
 */
final class TlsClients {
    private TlsClients() {
    }

    /**
     * A client connected to 127.0.0.1:{@code port} whose handshake is done, trusting what {@code trust} trusts
     * and offering {@code alpn} (nothing: no ALPN extension).
     */
    static SSLSocket connect(SSLContext trust, int port, String... alpn) throws IOException {
        return handshake(trust, port, p -> {
            if (alpn.length > 0) {
                p.setApplicationProtocols(alpn);
            }
        });
    }

    /** As {@link #connect}, sending {@code serverName} as SNI (a connection to 127.0.0.1 sends none by itself). */
    static SSLSocket connectAs(SSLContext trust, int port, String serverName) throws IOException {
        return handshake(trust, port, p -> p.setServerNames(List.of(new SNIHostName(serverName))));
    }

    private static SSLSocket handshake(SSLContext trust, int port, Consumer<SSLParameters> configure)
            throws IOException {
        SSLSocket s = (SSLSocket) trust.getSocketFactory().createSocket("127.0.0.1", port);
        try {
            s.setSoTimeout(30_000);
            SSLParameters parameters = s.getSSLParameters();
            configure.accept(parameters);
            s.setSSLParameters(parameters);
            s.startHandshake();
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * -1 once the server has ended {@code socket}'s input, however the client words it (EOF, a truncation error
     * for a TLS connection closed without close_notify, a reset); fails if nothing comes within 10 s.
     */
    static int endOf(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        try {
            return socket.getInputStream().read();
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException cut) {
            return -1;
        }
    }
}
