package dev.spindle.tls.it;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;

/**
 * A small certificate authority for the interop tests, made at run time with Bouncy Castle.
 *
 * <p>{@code SelfSigned} makes only self-signed end-entity certificates valid from now for a year; the interop
 * tests need a CA that the peers and Spindle both trust (as {@code openssl}, {@code gnutls} and {@code nginx}
 * are configured in practice), certificates it issues for chosen names and key types, an expired one, and a
 * second CA nobody trusts. Certificates are X.509 v3 with the extensions the peers check: CAs have
 * basicConstraints CA:TRUE (critical) and keyCertSign; leaves have CA:FALSE, digitalSignature (plus
 * keyEncipherment for RSA), serverAuth and clientAuth, subject and authority key identifiers.
 */
final class TestPki {
    enum KeyType { EC, RSA }

    private static final SecureRandom RANDOM = new SecureRandom();

    private TestPki() {
    }

    /** A certificate with its private key, and both as PEM text for the peers. */
    record Issued(X509Certificate certificate, PrivateKey key) {
        String certificatePem() {
            try {
                return pem("CERTIFICATE", certificate.getEncoded());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        /**
         * Unencrypted PKCS#8, which openssl, gnutls and nginx all read. The JDK encodes an EC key without its
         * public point (optional in RFC 5915), which GnuTLS 3.7 refuses ("ASN1 parser: Element was not found"),
         * so EC keys are re-encoded with the point (taken from the certificate) and the curve.
         */
        String keyPem() {
            if (!(key instanceof ECPrivateKey)) {
                return pem("PRIVATE KEY", key.getEncoded());
            }
            try {
                PrivateKeyInfo jdk = PrivateKeyInfo.getInstance(key.getEncoded());
                var inner = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(jdk.parsePrivateKey());
                var point = SubjectPublicKeyInfo.getInstance(certificate.getPublicKey().getEncoded())
                        .getPublicKeyData();
                int orderBits = ((ECPrivateKey) key).getParams().getOrder().bitLength();
                var full = new org.bouncycastle.asn1.sec.ECPrivateKey(orderBits, inner.getKey(), point,
                        jdk.getPrivateKeyAlgorithm().getParameters());
                return pem("PRIVATE KEY", new PrivateKeyInfo(jdk.getPrivateKeyAlgorithm(), full).getEncoded());
            } catch (Exception e) {
                throw new IllegalStateException("cannot encode the EC key of " + subject() + ": " + e.getMessage(), e);
            }
        }

        String subject() {
            return certificate.getSubjectX500Principal().getName();
        }
    }

    /** A CA: a self-signed certificate that signs leaves. */
    static final class Authority {
        final Issued root;

        private Authority(Issued root) {
            this.root = root;
        }

        /**
         * A leaf named {@code cn}, with DNS subject alternative names {@code dnsNames} (and the IP 127.0.0.1 if
         * {@code withLoopbackIp}), valid from {@code notBefore} to {@code notAfter}.
         */
        Issued issue(String cn, KeyType type, Instant notBefore, Instant notAfter, boolean withLoopbackIp,
                     String... dnsNames) {
            try {
                KeyPair kp = keyPair(type);
                List<GeneralName> sans = new ArrayList<>();
                for (String n : dnsNames) {
                    sans.add(new GeneralName(GeneralName.dNSName, n));
                }
                if (withLoopbackIp) {
                    sans.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
                }
                var ext = new JcaX509ExtensionUtils();
                var b = new JcaX509v3CertificateBuilder(root.certificate(), serial(), Date.from(notBefore),
                        Date.from(notAfter), new X500Name("CN=" + cn), kp.getPublic());
                if (!sans.isEmpty()) {
                    b.addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(sans.toArray(GeneralName[]::new)));
                }
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                int usage = KeyUsage.digitalSignature | (type == KeyType.RSA ? KeyUsage.keyEncipherment : 0);
                b.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                        new KeyPurposeId[]{KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
                b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
                b.addExtension(Extension.authorityKeyIdentifier, false,
                        ext.createAuthorityKeyIdentifier(root.certificate()));
                return new Issued(sign(b, root.key()), kp.getPrivate());
            } catch (Exception e) {
                throw new IllegalStateException("cannot issue a certificate for " + cn + ": " + e.getMessage(), e);
            }
        }

        /** A leaf valid from an hour ago (clock skew) for a day. */
        Issued issue(String cn, KeyType type, boolean withLoopbackIp, String... dnsNames) {
            Instant now = Instant.now();
            return issue(cn, type, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), withLoopbackIp,
                    dnsNames);
        }
    }

    /** A new CA with an EC P-256 key, valid from an hour ago for a day. */
    static Authority authority(String cn) {
        try {
            KeyPair kp = keyPair(KeyType.EC);
            Instant now = Instant.now();
            var name = new X500Name("CN=" + cn);
            var ext = new JcaX509ExtensionUtils();
            var b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(1))), name, kp.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
            return new Authority(new Issued(sign(b, kp.getPrivate()), kp.getPrivate()));
        } catch (Exception e) {
            throw new IllegalStateException("cannot make a CA " + cn + ": " + e.getMessage(), e);
        }
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey caKey) throws Exception {
        // The CA key is always EC, whatever the leaf's key type.
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA")
                .build(caKey)));
    }

    private static BigInteger serial() {
        return new BigInteger(63, RANDOM).add(BigInteger.ONE);
    }

    private static KeyPair keyPair(KeyType type) throws Exception {
        return switch (type) {
            case EC -> {
                KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
                yield g.generateKeyPair();
            }
            case RSA -> {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048, RANDOM);
                yield g.generateKeyPair();
            }
        };
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
