package dev.spindle.tls;

import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A self-signed certificate made at run time, for tests and demos (and for interop peers that take PEM files).
 *
 * <pre>{@code
 * SelfSigned cert = SelfSigned.generate("localhost");          // ECDSA P-256
 * TlsAcceptor acceptor = TlsAcceptor.builder(cert.serverContext()).build();
 * TlsConnector connector = TlsConnector.builder(cert.trustContext()).build();
 * cert.writeCertificatePem(dir.resolve("cert.pem"));           // for openssl, curl, gnutls
 * }</pre>
 *
 * The certificate names each given host as a subject alternative name (DNS, or IP for IP literals) and always
 * 127.0.0.1; the first name (or "localhost") is its common name. It is an end-entity certificate
 * (basicConstraints CA:FALSE, key usage digitalSignature (and keyEncipherment for RSA), extended key usage
 * serverAuth and clientAuth), valid from an hour ago (clock skew) for a year. Peers trust it by trusting the
 * certificate itself.
 */
public final class SelfSigned {

    /** The key algorithm. */
    public enum KeyType {
        /** ECDSA on P-256 (secp256r1), signed with SHA256withECDSA: the default, fast to make. */
        EC_P256,
        /** RSA 2048, signed with SHA256withRSA: for peers that need RSA (slower to generate, ~100 ms). */
        RSA_2048
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate certificate;
    private final PrivateKey privateKey;
    private final List<String> hostNames;

    private SelfSigned(X509Certificate certificate, PrivateKey privateKey, List<String> hostNames) {
        this.certificate = certificate;
        this.privateKey = privateKey;
        this.hostNames = hostNames;
    }

    /** An ECDSA P-256 certificate for {@code hostNames} (default "localhost") and 127.0.0.1. */
    public static SelfSigned generate(String... hostNames) {
        return generate(KeyType.EC_P256, hostNames);
    }

    /** A certificate with a key of {@code type} for {@code hostNames} (default "localhost") and 127.0.0.1. */
    public static SelfSigned generate(KeyType type, String... hostNames) {
        Set<String> names = new LinkedHashSet<>();
        for (String h : hostNames) {
            if (h == null || h.isBlank()) {
                throw new IllegalArgumentException("host names must not be blank");
            }
            names.add(h);
        }
        if (names.isEmpty()) {
            names.add("localhost");
        }
        try {
            KeyPair kp = keyPair(type);
            List<GeneralName> sans = new ArrayList<>();
            for (String n : names) {
                sans.add(TlsConnector.isIpLiteral(n) ? new GeneralName(GeneralName.iPAddress, n)
                        : new GeneralName(GeneralName.dNSName, n));
            }
            if (!names.contains("127.0.0.1")) {
                sans.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
            }
            var subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, names.iterator().next()).build();
            Instant now = Instant.now();
            var builder = new JcaX509v3CertificateBuilder(subject, new BigInteger(64, RANDOM).add(BigInteger.ONE),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(365))), subject,
                    kp.getPublic());
            var ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(sans.toArray(GeneralName[]::new)));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            int usage = KeyUsage.digitalSignature | (type == KeyType.RSA_2048 ? KeyUsage.keyEncipherment : 0);
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
            builder.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[]{KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
            String sigAlg = type == KeyType.RSA_2048 ? "SHA256withRSA" : "SHA256withECDSA";
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(sigAlg).build(kp.getPrivate())));
            return new SelfSigned(cert, kp.getPrivate(), List.copyOf(names));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot generate a self-signed certificate: " + e.getMessage(), e);
        }
    }

    private static KeyPair keyPair(KeyType type) throws GeneralSecurityException {
        return switch (type) {
            case EC_P256 -> {
                KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
                yield g.generateKeyPair();
            }
            case RSA_2048 -> {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048, RANDOM);
                yield g.generateKeyPair();
            }
        };
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    /** The host names given (or "localhost"); 127.0.0.1 is always named in addition. */
    public List<String> hostNames() {
        return hostNames;
    }

    /** The certificate as PEM ({@code BEGIN CERTIFICATE}). */
    public String certificatePem() {
        try {
            return pem("CERTIFICATE", certificate.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode the certificate", e);
        }
    }

    /** The private key as unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
    public String privateKeyPem() {
        return pem("PRIVATE KEY", privateKey.getEncoded());
    }

    /** Writes {@link #certificatePem()} to {@code file}. */
    public void writeCertificatePem(Path file) throws IOException {
        Files.writeString(file, certificatePem(), StandardCharsets.US_ASCII);
    }

    /** Writes {@link #privateKeyPem()} to {@code file}, readable by the owner only where POSIX permissions exist. */
    public void writePrivateKeyPem(Path file) throws IOException {
        Files.deleteIfExists(file);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(file);
        }
        Files.writeString(file, privateKeyPem(), StandardCharsets.US_ASCII);
    }

    /** A PKCS#12 key store holding the key and certificate under alias "key", protected by {@code password}. */
    public KeyStore keyStore(char[] password) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("key", privateKey, password, new java.security.cert.Certificate[]{certificate});
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a PKCS#12 key store: " + e.getMessage(), e);
        }
    }

    /** Writes {@link #keyStore(char[])} to {@code file}. */
    public void writePkcs12(Path file, char[] password) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            keyStore(password).store(out, password);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot write PKCS#12 file " + file + ": " + e.getMessage(), e);
        }
    }

    /** A context presenting this certificate (for a server, or a client with a certificate); default trust. */
    public SSLContext serverContext() {
        try {
            return Certificates.contextBuilder().key(this).build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build an SSLContext: " + e.getMessage(), e);
        }
    }

    /** A context that trusts exactly this certificate and presents none (for a client). */
    public SSLContext trustContext() {
        try {
            return Certificates.contextBuilder().trust(this).build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build an SSLContext: " + e.getMessage(), e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    @Override
    public String toString() {
        return "SelfSigned[" + certificate.getSubjectX500Principal().getName() + ", " + hostNames + "]";
    }
}
