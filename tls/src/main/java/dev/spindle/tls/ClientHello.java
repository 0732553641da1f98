package dev.spindle.tls;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads the server name (SNI, RFC 6066) from a client's first bytes, before any engine sees them, so that an
 * {@link TlsAcceptor} with {@link TlsAcceptor.Builder#serverName per-name contexts} can choose the context the
 * engine is made with. The bytes are only looked at, never consumed: the engine then reads them all again.
 *
 * <p>What is parsed (RFC 8446 section 4.1.2, the same layout in TLS 1.0 to 1.3): TLS plaintext records of type
 * handshake, whose fragments are joined (a ClientHello may be split over several records, and a record may hold
 * a few bytes only); in them the first handshake message, which must be a ClientHello; in it, after the fixed
 * fields, the extensions; among them {@code server_name}, whose first {@code host_name} entry is the answer.
 *
 * <p>Anything else is {@link NotAClientHello}: an SSLv2-style hello, another record type first, lengths that do
 * not add up, a message larger than {@link #MAX_LENGTH}. The acceptor then lets the default engine read the same
 * bytes, so the client gets the same error (and alert) as from an acceptor without server names.
 */
final class ClientHello {
    /**
     * Largest ClientHello handshake message accepted, in bytes. Real ones are 200 bytes to 2 KB (a post-quantum
     * key share adds 1.2 KB); the bound keeps a client from making the acceptor buffer without limit before any
     * engine has judged its bytes. 16 KiB, as Netty's {@code SniHandler}.
     */
    static final int MAX_LENGTH = 16 * 1024;

    private static final int RECORD_HEADER = 5;
    private static final int HANDSHAKE_RECORD = 22;
    private static final int CLIENT_HELLO = 1;
    private static final int SERVER_NAME_EXTENSION = 0;
    private static final int HOST_NAME = 0;
    /** A plaintext record's largest fragment (RFC 8446 section 5.1). */
    private static final int MAX_FRAGMENT = 1 << 14;

    private ClientHello() {
    }

    /** What the first bytes say. */
    sealed interface Sniff permits NeedMore, Parsed, NotAClientHello {
    }

    /** Not all of the ClientHello has arrived yet. */
    record NeedMore() implements Sniff {
    }

    /** A whole ClientHello; {@code serverName} is null when it names no host (no SNI extension). */
    record Parsed(String serverName) implements Sniff {
    }

    /** The bytes are not a ClientHello this parser accepts; {@code why} says what is wrong. */
    record NotAClientHello(String why) implements Sniff {
    }

    private static final NeedMore NEED_MORE = new NeedMore();

    /** Looks at the bytes between {@code in}'s position and limit; changes nothing in {@code in}. */
    static Sniff sniff(ByteBuffer in) {
        // Walk the leading handshake records, counting their fragment bytes, until the ClientHello's length is
        // known and that many bytes are present; only then copy them out. A client that sends its hello a byte at
        // a time makes the acceptor call this once per byte: each call is a walk over record headers, without
        // allocating (a 16 KiB copy per call would be an amplifier).
        int available = 0; // fragment bytes of the complete records so far
        int needed = -1; // the whole message (header and body) once its header has arrived
        int pos = in.position();
        while (true) {
            if (in.limit() - pos < RECORD_HEADER) {
                return NEED_MORE;
            }
            int type = in.get(pos) & 0xFF;
            if (type != HANDSHAKE_RECORD) {
                return new NotAClientHello(pos == in.position()
                        ? "the first record is not a handshake record (type " + type + ")"
                        : "a record of type " + type + " interrupts the ClientHello");
            }
            int major = in.get(pos + 1) & 0xFF;
            if (major != 3) {
                return new NotAClientHello("record version " + major + "." + (in.get(pos + 2) & 0xFF)
                        + " is not TLS");
            }
            int fragment = in.getShort(pos + 3) & 0xFFFF;
            if (fragment == 0 || fragment > MAX_FRAGMENT) {
                return new NotAClientHello("a handshake record of " + fragment + " bytes");
            }
            if (in.limit() - pos - RECORD_HEADER < fragment) {
                return NEED_MORE;
            }
            pos += RECORD_HEADER + fragment;
            available += fragment;
            if (needed < 0 && available >= 4) {
                // The message header (type and 24-bit length) may itself be split over records.
                byte[] header = new byte[4];
                copyFragments(in, in.position(), pos, header);
                if ((header[0] & 0xFF) != CLIENT_HELLO) {
                    return new NotAClientHello("the first handshake message is not a ClientHello (type "
                            + (header[0] & 0xFF) + ")");
                }
                int length = ((header[1] & 0xFF) << 16) | ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
                if (length > MAX_LENGTH) {
                    return new NotAClientHello("a ClientHello of " + length + " bytes (at most " + MAX_LENGTH
                            + " are read)");
                }
                needed = 4 + length;
            }
            if (needed >= 0 && available >= needed) {
                byte[] message = new byte[needed];
                copyFragments(in, in.position(), pos, message);
                return parse(ByteBuffer.wrap(message, 4, needed - 4).slice());
            }
        }
    }

    /**
     * Copies the fragment bytes of the complete records in {@code [start, end)} into {@code message}, as many as
     * fit; how many.
     */
    private static int copyFragments(ByteBuffer in, int start, int end, byte[] message) {
        int have = 0;
        for (int pos = start; pos < end && have < message.length; ) {
            int fragment = in.getShort(pos + 3) & 0xFFFF;
            int n = Math.min(fragment, message.length - have);
            in.get(pos + RECORD_HEADER, message, have, n);
            have += n;
            pos += RECORD_HEADER + fragment;
        }
        return have;
    }

    /** The ClientHello body (after the 4-byte message header). */
    private static Sniff parse(ByteBuffer body) {
        try {
            skip(body, 2 + 32); // legacy_version, random
            skip(body, u8(body)); // legacy_session_id
            skip(body, u16(body)); // cipher_suites
            skip(body, u8(body)); // legacy_compression_methods
            if (!body.hasRemaining()) {
                return new Parsed(null); // no extensions at all (allowed before TLS 1.3)
            }
            int extensionsEnd = u16(body) + body.position();
            if (extensionsEnd > body.limit()) {
                return new NotAClientHello("the extensions run past the end of the ClientHello");
            }
            while (body.position() < extensionsEnd) {
                int type = u16(body);
                int length = u16(body);
                if (body.position() + length > extensionsEnd) {
                    return new NotAClientHello("extension " + type + " runs past the end of the extensions");
                }
                if (type == SERVER_NAME_EXTENSION) {
                    return serverName(body.slice(body.position(), length));
                }
                skip(body, length);
            }
            return new Parsed(null);
        } catch (IndexOutOfBoundsException | IllegalArgumentException | BufferUnderflowException e) {
            return new NotAClientHello("a length field of the ClientHello runs past its end");
        }
    }

    /** The {@code server_name} extension's data: a ServerNameList. */
    private static Sniff serverName(ByteBuffer ext) {
        int listEnd = u16(ext) + ext.position();
        if (listEnd != ext.limit()) {
            return new NotAClientHello("the server_name list's length does not match its extension");
        }
        while (ext.position() < listEnd) {
            int nameType = u8(ext);
            int length = u16(ext);
            if (ext.position() + length > listEnd) {
                return new NotAClientHello("a server name runs past the end of the server_name list");
            }
            if (nameType == HOST_NAME) {
                byte[] name = new byte[length];
                ext.get(name);
                for (byte b : name) {
                    if (b <= 0x20 || b >= 0x7F) { // RFC 6066: an ASCII DNS name (A-labels for IDNs)
                        return new NotAClientHello("the server name is not an ASCII host name");
                    }
                }
                if (length == 0) {
                    return new NotAClientHello("an empty server name");
                }
                return new Parsed(normalize(new String(name, StandardCharsets.US_ASCII)));
            }
            skip(ext, length);
        }
        return new Parsed(null);
    }

    /** DNS names compare without case and without a trailing dot. */
    static String normalize(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    private static int u8(ByteBuffer b) {
        return b.get() & 0xFF;
    }

    private static int u16(ByteBuffer b) {
        return b.getShort() & 0xFFFF;
    }

    private static void skip(ByteBuffer b, int n) {
        b.position(b.position() + n); // IllegalArgumentException past the limit
    }
}
