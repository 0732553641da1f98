package dev.spindle.tls.it;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.SplittableRandom;

/** Deterministic test bytes (the same seed gives the same bytes) and their SHA-256, as sha256sum prints it. */
final class Payload {
    private Payload() {
    }

    /** {@code n} pseudo-random bytes from {@code seed}: incompressible, reproducible on both sides. */
    static byte[] bytes(long seed, int n) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /**
     * {@code n} bytes of printable text from {@code seed} (base64 in lines of 76), for peers that handle their
     * data as C strings: gnutls-serv's echo stops at the first NUL byte.
     */
    static byte[] text(long seed, int n) {
        byte[] b64 = Base64.getMimeEncoder(76, new byte[]{'\n'}).encode(bytes(seed, n));
        return Arrays.copyOf(b64, n);
    }

    static String sha256(byte[] data) {
        return sha256(data, 0, data.length);
    }

    static String sha256(byte[] data, int offset, int length) {
        MessageDigest sha = SpindleTlsServer.sha256();
        sha.update(data, offset, length);
        return HexFormat.of().formatHex(sha.digest());
    }
}
