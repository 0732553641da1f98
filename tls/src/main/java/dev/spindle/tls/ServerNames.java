package dev.spindle.tls;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The contexts of an acceptor that serves several host names ({@link TlsAcceptor.Builder#serverName}): which one a
 * client gets, by the server name (SNI) of its ClientHello. Like Netty's {@code SniHandler} or rustls'
 * {@code ResolvesServerCertUsingSni}, but choosing a whole context (certificate and key, and trust for client
 * certificates), so each name may be served by a different CA's chain.
 *
 * <p>Matching: DNS names without case and without a trailing dot; an exact name first, then a wildcard
 * {@code *.example.com}, which matches exactly one more label ({@code a.example.com}, not {@code example.com}
 * nor {@code a.b.example.com}), as certificate wildcards do (RFC 6125). A client naming no configured host, or
 * none, gets the acceptor's default context, or is refused with {@code unrecognized_name} when
 * {@link TlsAcceptor.Builder#rejectUnknownServerNames} is on. Immutable once built.
 */
final class ServerNames {
    /** Name (normalized) to context, in the order given (for messages). */
    private final Map<String, SSLContext> exact;
    /** The part after "*." of each wildcard (normalized) to its context. */
    private final Map<String, SSLContext> wildcard;
    private final boolean rejectUnknown;

    private ServerNames(Map<String, SSLContext> exact, Map<String, SSLContext> wildcard, boolean rejectUnknown) {
        this.exact = Map.copyOf(exact);
        this.wildcard = Map.copyOf(wildcard);
        this.rejectUnknown = rejectUnknown;
    }

    /** The context configured for {@code serverName} (normalized, or null for none), or null if no name matches. */
    SSLContext contextFor(String serverName) {
        if (serverName == null) {
            return null;
        }
        SSLContext c = exact.get(serverName);
        if (c != null) {
            return c;
        }
        int dot = serverName.indexOf('.');
        return dot > 0 ? wildcard.get(serverName.substring(dot + 1)) : null;
    }

    boolean rejectUnknown() {
        return rejectUnknown;
    }

    /** Every context configured, each once (for resolving them for the engine). */
    Iterable<SSLContext> contexts() {
        Map<SSLContext, Boolean> all = new java.util.IdentityHashMap<>();
        exact.values().forEach(c -> all.put(c, true));
        wildcard.values().forEach(c -> all.put(c, true));
        return all.keySet();
    }

    /** The configured names, for messages. */
    String describe() {
        StringBuilder sb = new StringBuilder();
        exact.keySet().stream().sorted().forEach(n -> sb.append(sb.isEmpty() ? "" : ", ").append(n));
        wildcard.keySet().stream().sorted().forEach(n -> sb.append(sb.isEmpty() ? "" : ", ").append("*.").append(n));
        return sb.toString();
    }

    /** Collects names for an acceptor builder; validates each as it is added. */
    static final class Builder {
        private final Map<String, SSLContext> exact = new LinkedHashMap<>();
        private final Map<String, SSLContext> wildcard = new LinkedHashMap<>();
        private boolean rejectUnknown;

        void add(String hostName, SSLContext context) {
            Objects.requireNonNull(hostName, "hostName");
            Objects.requireNonNull(context, "context");
            String name = ClientHello.normalize(hostName.strip());
            boolean isWildcard = name.startsWith("*.");
            String base = asciiName(isWildcard ? name.substring(2) : name);
            if (base == null || (isWildcard && base.indexOf('.') < 0)) {
                throw new IllegalArgumentException("serverName: '" + hostName + "' is not a DNS host name or a"
                        + " wildcard of the form *.example.com");
            }
            Map<String, SSLContext> into = isWildcard ? wildcard : exact;
            if (into.putIfAbsent(base, context) != null) {
                throw new IllegalArgumentException("serverName: '" + hostName + "' was given twice");
            }
        }

        /**
         * The name as clients send it (RFC 6066: ASCII, an IDN in its xn-- form), checked by the JDK's own rules
         * for SNI host names; null if they refuse it.
         */
        private static String asciiName(String name) {
            try {
                return new SNIHostName(name).getAsciiName().toLowerCase(Locale.ROOT);
            } catch (IllegalArgumentException notAHostName) {
                return null;
            }
        }

        void rejectUnknown(boolean on) {
            rejectUnknown = on;
        }

        boolean isEmpty() {
            return exact.isEmpty() && wildcard.isEmpty();
        }

        /** The table, or null when no name was given (the acceptor then never looks at ClientHellos). */
        ServerNames build() {
            if (isEmpty()) {
                if (rejectUnknown) {
                    throw new IllegalStateException("rejectUnknownServerNames(true) needs at least one"
                            + " serverName(name, context): otherwise every client would be refused");
                }
                return null;
            }
            return new ServerNames(exact, wildcard, rejectUnknown);
        }
    }
}
