package dev.spindle.perf.net.tls;

import dev.spindle.perf.servers.Cli;
import dev.spindle.perf.servers.tls.BenchTls;
import dev.spindle.perf.servers.tls.PinnedTrustManager;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the command line of every TLS load client starts with, {@code --port P --cert-dir DIR [--host 127.0.0.1]
 * [--protocol TLSv1.3|TLSv1.2]}, and what follows from it: the server's address, and client engines that trust
 * exactly the certificate in {@code DIR} and speak the one protocol (see {@link BenchTls}).
 *
 * @param address  the server
 * @param protocol the one TLS version offered
 * @param trust    the pinned trust manager, which counts the full handshakes it checks
 * @param context  the client context, with {@code trust}
 */
record TlsClientOptions(InetSocketAddress address, String protocol, PinnedTrustManager trust, SSLContext context) {

    /** The option names, with {@code more} of the client's own. */
    static Set<String> names(String... more) {
        Set<String> names = new HashSet<>(Set.of("host", "port", "cert-dir", "protocol"));
        names.addAll(List.of(more));
        return names;
    }

    /** Reads the options from a command line parsed with (at least) {@link #names}, and the certificate. */
    static TlsClientOptions from(Cli cli) throws IOException, GeneralSecurityException {
        InetSocketAddress address = new InetSocketAddress(cli.string("host", "127.0.0.1"), cli.integer("port", 0, 1));
        Path certDir = Path.of(cli.required("cert-dir"));
        String protocol = cli.choice("protocol", BenchTls.PROTOCOLS);
        PinnedTrustManager trust = BenchTls.pinnedTrust(certDir);
        return new TlsClientOptions(address, protocol, trust, BenchTls.clientContext(trust));
    }

    /** A new client engine for a full handshake ({@link BenchTls#clientEngine}). */
    SSLEngine newEngine() {
        return BenchTls.clientEngine(context, protocol);
    }
}
