package dev.spindle.tls;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

import static dev.spindle.tls.TlsTestSupport.clientHello;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server name read from real ClientHellos (the JDK's and BoringSSL's, TLS 1.2 and 1.3), whole, cut short,
 * split into records of every size, and broken in the ways a hostile or confused client breaks them.
 */
class ClientHelloTest {
    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#withProtocols")
    void theServerNameOfARealClientHello(TlsEngine engine, String protocol) throws Exception {
        byte[] hello = clientHello(engine, protocol, "Api.Example.COM");
        ByteBuffer in = ByteBuffer.wrap(hello);
        assertThat(ClientHello.sniff(in)).isEqualTo(new ClientHello.Parsed("api.example.com"));
        assertThat(in.position()).as("nothing consumed").isZero();
        assertThat(in.limit()).isEqualTo(hello.length);
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void aClientHelloWithoutServerName(TlsEngine engine) throws Exception {
        assertThat(ClientHello.sniff(ByteBuffer.wrap(clientHello(engine, "TLSv1.3", null))))
                .isEqualTo(new ClientHello.Parsed(null));
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void everyPrefixNeedsMore(TlsEngine engine) throws Exception {
        byte[] hello = clientHello(engine, "TLSv1.3", "a.test");
        for (int n = 0; n < hello.length; n++) {
            assertThat(ClientHello.sniff(ByteBuffer.wrap(hello, 0, n))).as("first %d of %d bytes", n, hello.length)
                    .isInstanceOf(ClientHello.NeedMore.class);
        }
    }

    @Test
    void aClientHelloSplitIntoRecordsOfAnySize() throws Exception {
        byte[] hello = clientHello(TlsEngine.JDK, "TLSv1.3", "split.test");
        for (int size : new int[]{1, 2, 3, 4, 5, 7, 100, 511}) {
            byte[] records = refragment(hello, size);
            assertThat(ClientHello.sniff(ByteBuffer.wrap(records))).as("records of %d bytes", size)
                    .isEqualTo(new ClientHello.Parsed("split.test"));
            assertThat(ClientHello.sniff(ByteBuffer.wrap(records, 0, records.length - 1)))
                    .isInstanceOf(ClientHello.NeedMore.class);
        }
    }

    @Test
    void bytesAfterTheClientHelloAreIgnored() throws Exception {
        byte[] hello = clientHello(TlsEngine.JDK, "TLSv1.3", "a.test");
        byte[] more = Arrays.copyOf(hello, hello.length + 6); // a ChangeCipherSpec record may follow at once
        System.arraycopy(new byte[]{20, 3, 3, 0, 1, 1}, 0, more, hello.length, 6);
        assertThat(ClientHello.sniff(ByteBuffer.wrap(more))).isEqualTo(new ClientHello.Parsed("a.test"));
    }

    @Test
    void theBufferPositionIsWhereTheBytesStart() throws Exception {
        byte[] hello = clientHello(TlsEngine.JDK, "TLSv1.2", "offset.test");
        ByteBuffer in = ByteBuffer.allocate(hello.length + 10);
        in.position(10);
        in.put(hello);
        in.position(10);
        assertThat(ClientHello.sniff(in)).isEqualTo(new ClientHello.Parsed("offset.test"));
        assertThat(in.position()).isEqualTo(10);
    }

    @Test
    void whatIsNotAClientHello() throws Exception {
        assertNot(ascii("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n"), "not a handshake record");
        // An SSLv2-compatible hello (first byte with the high bit set)
        assertNot(new byte[]{(byte) 0x80, 0x2e, 0x01, 0x03, 0x01, 0, 0x15}, "not a handshake record");
        assertNot(new byte[]{22, 2, 0, 0, 4, 1, 0, 0, 0}, "is not TLS");
        assertNot(new byte[]{22, 3, 1, 0, 0}, "a handshake record of 0 bytes");
        assertNot(new byte[]{22, 3, 1, 0x40, 0x01}, "a handshake record of 16385 bytes");
        assertNot(new byte[]{22, 3, 1, 0, 4, 2, 0, 0, 0}, "not a ClientHello (type 2)");
        // A ClientHello claiming 1 MiB: refused before anything is buffered for it
        assertNot(new byte[]{22, 3, 1, 0, 4, 1, 0x10, 0, 0}, "a ClientHello of 1048576 bytes");
        // An alert record between the fragments of a ClientHello
        byte[] split = refragment(clientHello(TlsEngine.JDK, "TLSv1.3", "a.test"), 50);
        byte[] interrupted = new byte[split.length + 7];
        System.arraycopy(split, 0, interrupted, 0, 55);
        System.arraycopy(new byte[]{21, 3, 3, 0, 2, 1, 0}, 0, interrupted, 55, 7);
        System.arraycopy(split, 55, interrupted, 62, split.length - 55);
        assertNot(interrupted, "a record of type 21 interrupts the ClientHello");
    }

    @Test
    void lengthsThatDoNotAddUp() throws Exception {
        byte[] hello = clientHello(TlsEngine.JDK, "TLSv1.3", "a.test");
        int sni = indexOfServerNameExtension(hello);
        // The server name's own length made larger than its list
        byte[] longName = hello.clone();
        int nameLength = sni + 4 + 2 + 1; // extension header, list length, name type
        longName[nameLength + 1] += 1;
        assertNot(longName, "runs past the end of the server_name list");
        // The list's length made smaller than what it holds
        byte[] shortList = hello.clone();
        shortList[sni + 4 + 1] -= 1;
        assertNot(shortList, "does not match its extension");
        // The extensions' total length made larger than the message
        byte[] longExtensions = hello.clone();
        int extensionsLength = extensionsStart(hello) - 2;
        longExtensions[extensionsLength] = (byte) 0xFF;
        assertNot(longExtensions, "past the end");
        // A name with a byte no host name has
        byte[] badName = hello.clone();
        badName[nameLength + 2] = ' ';
        assertNot(badName, "not an ASCII host name");
        // Cut inside the fixed fields (a record and message that say they end there)
        assertNot(new byte[]{22, 3, 1, 0, 8, 1, 0, 0, 4, 3, 3, 0, 0}, "runs past its end");
    }

    @Test
    void aServerNameListWithOnlyAnotherNameTypeNamesNoHost() throws Exception {
        byte[] hello = clientHello(TlsEngine.JDK, "TLSv1.3", "a.test");
        int sni = indexOfServerNameExtension(hello);
        hello[sni + 4 + 2] = 7; // name type 7: not host_name, skipped
        assertThat(ClientHello.sniff(ByteBuffer.wrap(hello))).isEqualTo(new ClientHello.Parsed(null));
    }

    private static void assertNot(byte[] bytes, String why) {
        assertThat(ClientHello.sniff(ByteBuffer.wrap(bytes)))
                .isInstanceOfSatisfying(ClientHello.NotAClientHello.class, n -> assertThat(n.why()).contains(why));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** The same handshake bytes, carried in records of at most {@code size} bytes each. */
    static byte[] refragment(byte[] records, int size) {
        ByteArrayOutputStream handshake = new ByteArrayOutputStream();
        for (int pos = 0; pos < records.length; ) {
            int length = ((records[pos + 3] & 0xFF) << 8) | (records[pos + 4] & 0xFF);
            handshake.write(records, pos + 5, length);
            pos += 5 + length;
        }
        byte[] h = handshake.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int pos = 0; pos < h.length; pos += size) {
            int n = Math.min(size, h.length - pos);
            out.write(new byte[]{22, 3, 1, (byte) (n >> 8), (byte) n}, 0, 5);
            out.write(h, pos, n);
        }
        return out.toByteArray();
    }

    /** Where the extensions of a one-record ClientHello start (after their 2-byte total length). */
    private static int extensionsStart(byte[] hello) {
        int pos = 5 + 4 + 2 + 32;
        pos += 1 + (hello[pos] & 0xFF);
        pos += 2 + (((hello[pos] & 0xFF) << 8) | (hello[pos + 1] & 0xFF));
        pos += 1 + (hello[pos] & 0xFF);
        return pos + 2;
    }

    /** Where the server_name extension (type 0) of a one-record ClientHello starts. */
    private static int indexOfServerNameExtension(byte[] hello) {
        int pos = extensionsStart(hello);
        while (pos < hello.length) {
            int type = ((hello[pos] & 0xFF) << 8) | (hello[pos + 1] & 0xFF);
            if (type == 0) {
                return pos;
            }
            pos += 4 + (((hello[pos + 2] & 0xFF) << 8) | (hello[pos + 3] & 0xFF));
        }
        throw new AssertionError("no server_name extension");
    }
}
