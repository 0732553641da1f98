package dev.spindle.tls;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.EncryptedPrivateKeyInfo;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Self-signed certificates, PEM and PKCS#12 loading; each context proven by an in-memory handshake. */
@Timeout(value = 60, unit = SECONDS)
class CertificatesTest {
    @TempDir
    Path dir;

    @Test
    void selfSignedNamesItsHostsAndLoopbackWithAnEcKey() throws Exception {
        SelfSigned s = SelfSigned.generate("example.test", "10.1.2.3");
        X509Certificate c = s.certificate();
        assertThat(s.privateKey()).isInstanceOf(ECPrivateKey.class);
        assertThat(c.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(c.getSubjectX500Principal().getName()).isEqualTo("CN=example.test");
        assertThat(c.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                List.of(2, "example.test"), List.of(7, "10.1.2.3"), List.of(7, "127.0.0.1"));
        assertThat(c.getBasicConstraints()).as("not a CA").isEqualTo(-1);
        assertThat(c.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        c.checkValidity();
        c.verify(c.getPublicKey());
        assertThat(SelfSigned.generate().hostNames()).containsExactly("localhost");
    }

    @Test
    void rsaIsAvailableToo() throws Exception {
        SelfSigned s = SelfSigned.generate(SelfSigned.KeyType.RSA_2048, "localhost");
        assertThat(s.privateKey()).isInstanceOf(RSAPrivateKey.class);
        assertHandshakes(s.serverContext(), s.trustContext());
    }

    @Test
    void pemFilesRoundTripIntoWorkingContexts() throws Exception {
        SelfSigned s = SelfSigned.generate("localhost");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        s.writeCertificatePem(cert);
        s.writePrivateKeyPem(key);
        assertThat(Files.readString(cert)).startsWith("-----BEGIN CERTIFICATE-----\n").endsWith("-----END CERTIFICATE-----\n");
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----\n");
        if (Files.getFileStore(key).supportsFileAttributeView("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        }
        assertThat(Certificates.readCertificates(cert)).containsExactly(s.certificate());
        assertThat(Certificates.readPrivateKey(key).getEncoded()).isEqualTo(s.privateKey().getEncoded());
        assertHandshakes(Certificates.keyContext(cert, key), Certificates.trustContext(cert));
    }

    @Test
    void traditionalRsaAndEcKeysAreRead() throws Exception {
        for (SelfSigned s : List.of(SelfSigned.generate("localhost"),
                SelfSigned.generate(SelfSigned.KeyType.RSA_2048, "localhost"))) {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(s.privateKey().getEncoded());
            String pem;
            if (s.privateKey() instanceof ECPrivateKey ec) {
                // SEC1 "EC PRIVATE KEY" with the curve named inside, as openssl ecparam -genkey writes it
                var sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, ec.getS(),
                        info.getPrivateKeyAlgorithm().getParameters());
                pem = pem("EC PRIVATE KEY", sec1.getEncoded());
            } else {
                pem = pem("RSA PRIVATE KEY", info.parsePrivateKey().toASN1Primitive().getEncoded()); // PKCS#1
            }
            Path key = dir.resolve("traditional.pem");
            Files.writeString(key, pem);
            PrivateKey read = Certificates.readPrivateKey(key);
            assertThat(read.getAlgorithm()).isEqualTo(s.privateKey().getAlgorithm());
            Path cert = dir.resolve("cert.pem");
            s.writeCertificatePem(cert);
            assertHandshakes(Certificates.keyContext(cert, key), s.trustContext());
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    @Test
    void anEncryptedKeyIsRefusedWithAWayOut() throws Exception {
        // Only the envelope matters: the key is refused before any decryption is tried.
        byte[] der = new EncryptedPrivateKeyInfo("PBEWithMD5AndDES", new byte[64]).getEncoded();
        Path key = dir.resolve("encrypted.pem");
        Files.writeString(key, pem("ENCRYPTED PRIVATE KEY", der));
        assertThatThrownBy(() -> Certificates.readPrivateKey(key)).isInstanceOf(IOException.class)
                .hasMessageContaining("encrypted private key").hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
    }

    @Test
    void filesWithoutWhatIsExpectedSaySo() throws Exception {
        Path empty = dir.resolve("empty.pem");
        Files.writeString(empty, "nothing here\n");
        assertThatThrownBy(() -> Certificates.readPrivateKey(empty)).isInstanceOf(IOException.class)
                .hasMessageContaining("holds no private key");
        Path certOnly = dir.resolve("cert.pem");
        SelfSigned.generate().writeCertificatePem(certOnly);
        assertThatThrownBy(() -> Certificates.readPrivateKey(certOnly)).hasMessageContaining("holds no private key");
    }

    @Test
    void pkcs12RoundTripsAndAWrongPasswordSaysSo() throws Exception {
        SelfSigned s = SelfSigned.generate("localhost");
        Path p12 = dir.resolve("server.p12");
        s.writePkcs12(p12, "pw".toCharArray());
        assertHandshakes(Certificates.pkcs12Context(p12, "pw".toCharArray()), s.trustContext());
        assertThatThrownBy(() -> Certificates.pkcs12Context(p12, "wrong".toCharArray())).isInstanceOf(IOException.class)
                .hasMessageContaining("password");
    }

    @Test
    void aTrustContextTrustsOnlyWhatItWasGiven() throws Exception {
        SelfSigned a = SelfSigned.generate("localhost");
        SelfSigned b = SelfSigned.generate("localhost");
        assertThatThrownBy(() -> assertHandshakes(a.serverContext(), b.trustContext()))
                .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    }

    @Test
    void opensslAcceptsTheSelfSignedCertificateAsItsOwnTrustAnchor() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
        SelfSigned s = SelfSigned.generate("localhost");
        Path cert = dir.resolve("cert.pem");
        s.writeCertificatePem(cert);
        Process p = new ProcessBuilder("/usr/bin/openssl", "verify", "-CAfile", cert.toString(), cert.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains(": OK");
    }

    private static void assertHandshakes(SSLContext server, SSLContext client) throws Exception {
        MemoryTls.handshake(client, server, "TLSv1.3");
    }
}
