package dev.spindle.tls;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.function.Supplier;

/**
 * {@link SSLContext}s from certificate files: PEM certificate chains and private keys, PKCS#12 key stores, PEM
 * CA files to trust, or a {@link SelfSigned} certificate made at run time.
 *
 * <pre>{@code
 * SSLContext server = Certificates.keyContext(Path.of("chain.pem"), Path.of("key.pem"));
 * SSLContext client = Certificates.trustContext(Path.of("ca.pem"));
 * SSLContext mtls   = Certificates.contextBuilder().keyPem(chain, key).trustPem(clientCa).build();
 * }</pre>
 *
 * Private keys may be PEM PKCS#8 ({@code BEGIN PRIVATE KEY}) or the traditional OpenSSL forms
 * ({@code BEGIN RSA PRIVATE KEY}, {@code BEGIN EC PRIVATE KEY}); encrypted keys are refused with a message
 * saying how to decrypt them. Keys are converted by the JDK's own providers: Bouncy Castle only parses.
 *
 * <p>Every context built here remembers the key and trust managers it was made from, so a connector or acceptor
 * built with it can switch to another TLS implementation with one call ({@code .engine(TlsEngine.BORINGSSL)}):
 * a JDK {@link SSLContext} does not reveal them once made.
 */
public final class Certificates {
    /** Password of the in-memory key stores behind the contexts; never written anywhere. */
    private static final char[] IN_MEMORY_PASSWORD = "spindle".toCharArray();

    /**
     * The key and trust managers behind each context built here, for {@link TlsEngine#BORINGSSL}. Weak keys:
     * an entry lives as long as its context (contexts have identity equality; the values do not refer back to
     * them). Written once per built context, read once per connector or acceptor built: a lock is cheap enough.
     */
    private static final Map<SSLContext, Material> BUILT = Collections.synchronizedMap(new WeakHashMap<>());

    private Certificates() {
    }

    /** What a context built here was made from ({@code null} managers: the JDK's defaults). */
    static final class Material {
        private final KeyManager[] keyManagers;
        private final TrustManager[] trustManagers;
        /** The same material in a BoringSSL context, made on first use; guarded by {@code this}. */
        private SSLContext boringSsl;

        Material(KeyManager[] keyManagers, TrustManager[] trustManagers) {
            this.keyManagers = keyManagers;
            this.trustManagers = trustManagers;
        }

        KeyManager[] keyManagers() {
            return keyManagers == null ? null : keyManagers.clone();
        }

        TrustManager[] trustManagers() {
            return trustManagers == null ? null : trustManagers.clone();
        }

        /** The BoringSSL context for this material: one per material, so its session cache is shared. */
        synchronized SSLContext boringSslContext(Supplier<SSLContext> make) {
            if (boringSsl == null) {
                boringSsl = make.get();
            }
            return boringSsl;
        }
    }

    /** The material {@code context} was built from, or {@code null} if it was not built here. */
    static Material material(SSLContext context) {
        return BUILT.get(context);
    }

    /** The certificates in a PEM file, in file order (a chain: leaf first). */
    public static List<X509Certificate> readCertificates(Path pem) throws IOException, GeneralSecurityException {
        Objects.requireNonNull(pem, "pem");
        List<X509Certificate> out = new ArrayList<>();
        try (InputStream in = Files.newInputStream(pem)) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
        }
        if (out.isEmpty()) {
            throw new IOException(pem + " holds no certificate (expected PEM blocks \"BEGIN CERTIFICATE\")");
        }
        return List.copyOf(out);
    }

    /** The private key in a PEM file: PKCS#8, or traditional RSA / EC. */
    public static PrivateKey readPrivateKey(Path pem) throws IOException {
        Objects.requireNonNull(pem, "pem");
        try (Reader r = Files.newBufferedReader(pem, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(r)) {
            for (Object o; (o = parser.readObject()) != null; ) {
                JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
                switch (o) {
                    case PrivateKeyInfo info -> {
                        return converter.getPrivateKey(info);
                    }
                    case PEMKeyPair pair -> {
                        // Not getKeyPair: a traditional EC key may omit its public key, which we do not need.
                        return converter.getPrivateKey(pair.getPrivateKeyInfo());
                    }
                    case PKCS8EncryptedPrivateKeyInfo encrypted -> throw encrypted(pem);
                    case PEMEncryptedKeyPair encrypted -> throw encrypted(pem);
                    default -> {
                        // a certificate or parameters block next to the key: skip it
                    }
                }
            }
        }
        throw new IOException(pem + " holds no private key (expected \"BEGIN PRIVATE KEY\", \"BEGIN RSA PRIVATE KEY\""
                + " or \"BEGIN EC PRIVATE KEY\")");
    }

    private static IOException encrypted(Path pem) {
        return new IOException(pem + " holds an encrypted private key, which is not supported; decrypt it first, e.g."
                + " openssl pkcs8 -topk8 -nocrypt -in " + pem + " -out key.pem");
    }

    /**
     * A context that presents the certificate chain and key from PEM files (for a server, or a client with a
     * certificate), and trusts the JDK's default CAs.
     */
    public static SSLContext keyContext(Path certificateChainPem, Path privateKeyPem)
            throws IOException, GeneralSecurityException {
        return contextBuilder().keyPem(certificateChainPem, privateKeyPem).build();
    }

    /** A context that presents the key entry of a PKCS#12 file, and trusts the JDK's default CAs. */
    public static SSLContext pkcs12Context(Path pkcs12, char[] password) throws IOException, GeneralSecurityException {
        return contextBuilder().pkcs12(pkcs12, password).build();
    }

    /** A context that trusts exactly the certificates in the given PEM files, and presents none. */
    public static SSLContext trustContext(Path... caPems) throws IOException, GeneralSecurityException {
        return contextBuilder().trustPem(caPems).build();
    }

    /** A builder for contexts with any combination of a key and trusted certificates. */
    public static ContextBuilder contextBuilder() {
        return new ContextBuilder();
    }

    /**
     * What a context presents (at most one key: a chain and its private key) and what it trusts (given
     * certificates, or, when none are given, the JDK's default CAs).
     */
    public static final class ContextBuilder {
        private KeyStore keys;
        private char[] keyPassword;
        private KeyManager[] keyManagers;
        private final List<X509Certificate> trusted = new ArrayList<>();
        private TrustManager[] trustManagers;

        private ContextBuilder() {
        }

        /** Presents {@code chain} (leaf first) with {@code key}. */
        public ContextBuilder key(List<X509Certificate> chain, PrivateKey key) throws GeneralSecurityException {
            Objects.requireNonNull(chain, "chain");
            Objects.requireNonNull(key, "key");
            if (chain.isEmpty()) {
                throw new IllegalArgumentException("the certificate chain is empty");
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try {
                ks.load(null, null);
            } catch (IOException impossible) {
                throw new GeneralSecurityException("cannot create an empty key store", impossible);
            }
            ks.setKeyEntry("key", key, IN_MEMORY_PASSWORD, chain.toArray(Certificate[]::new));
            keys = ks;
            keyPassword = IN_MEMORY_PASSWORD;
            keyManagers = null;
            return this;
        }

        /** Presents the chain and key from PEM files. */
        public ContextBuilder keyPem(Path certificateChainPem, Path privateKeyPem)
                throws IOException, GeneralSecurityException {
            return key(readCertificates(certificateChainPem), readPrivateKey(privateKeyPem));
        }

        /** Presents a {@link SelfSigned} certificate. */
        public ContextBuilder key(SelfSigned cert) throws GeneralSecurityException {
            return key(List.of(cert.certificate()), cert.privateKey());
        }

        /** Presents the key entry of a PKCS#12 file (the key is protected by the file's password). */
        public ContextBuilder pkcs12(Path pkcs12, char[] password) throws IOException, GeneralSecurityException {
            Objects.requireNonNull(pkcs12, "pkcs12");
            Objects.requireNonNull(password, "password");
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(pkcs12)) {
                ks.load(in, password);
            } catch (IOException e) {
                throw new IOException("cannot read PKCS#12 file " + pkcs12 + ": " + e.getMessage()
                        + " (a wrong password shows up like this too)", e);
            }
            keys = ks;
            keyPassword = password.clone();
            keyManagers = null;
            return this;
        }

        /**
         * Presents what these key managers choose (a key in hardware, several keys picked by SNI...), instead of
         * a key given here; replaces {@link #key}, {@link #keyPem} and {@link #pkcs12}, and they replace it. Use
         * it to bring your own {@link KeyManagerFactory} to a context that works with every {@link TlsEngine}.
         */
        public ContextBuilder keyManagers(KeyManager... managers) {
            Objects.requireNonNull(managers, "keyManagers");
            if (managers.length == 0) {
                throw new IllegalArgumentException("keyManagers: at least one is needed");
            }
            for (KeyManager m : managers) {
                Objects.requireNonNull(m, "keyManagers contains null");
            }
            keyManagers = managers.clone();
            keys = null;
            keyPassword = null;
            return this;
        }

        /**
         * Decides trust with these trust managers (your own {@link TrustManagerFactory}, a pinning manager...)
         * instead of the certificates given to {@link #trust}; the two cannot be combined. An
         * {@code X509ExtendedTrustManager} keeps endpoint identification (host name checks) working.
         */
        public ContextBuilder trustManagers(TrustManager... managers) {
            Objects.requireNonNull(managers, "trustManagers");
            if (managers.length == 0) {
                throw new IllegalArgumentException("trustManagers: at least one is needed");
            }
            for (TrustManager m : managers) {
                Objects.requireNonNull(m, "trustManagers contains null");
            }
            trustManagers = managers.clone();
            return this;
        }

        /** Trusts these certificates (adds to what was trusted before). */
        public ContextBuilder trust(X509Certificate... certs) {
            for (X509Certificate c : certs) {
                trusted.add(Objects.requireNonNull(c, "trusted certificate"));
            }
            return this;
        }

        /** Trusts a {@link SelfSigned} certificate. */
        public ContextBuilder trust(SelfSigned cert) {
            return trust(cert.certificate());
        }

        /** Trusts every certificate in these PEM files. */
        public ContextBuilder trustPem(Path... caPems) throws IOException, GeneralSecurityException {
            for (Path p : caPems) {
                trusted.addAll(readCertificates(p));
            }
            return this;
        }

        /**
         * The context (of the JDK's default TLS provider). It remembers its managers, so a connector or acceptor
         * built with it can use any {@link TlsEngine}.
         *
         * @throws IllegalStateException if both {@link #trust} and {@link #trustManagers} were used
         */
        public SSLContext build() throws GeneralSecurityException {
            if (trustManagers != null && !trusted.isEmpty()) {
                throw new IllegalStateException("trust(..)/trustPem(..) and trustManagers(..) cannot be combined: the"
                        + " trust managers decide alone; add the certificates to their trust store instead");
            }
            KeyManager[] km = keyManagers == null ? null : keyManagers.clone();
            if (keys != null) {
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, keyPassword);
                km = kmf.getKeyManagers();
            }
            TrustManager[] tm = trustManagers == null ? null : trustManagers.clone(); // null: the JDK's cacerts
            if (!trusted.isEmpty()) {
                KeyStore ts = KeyStore.getInstance("PKCS12");
                try {
                    ts.load(null, null);
                } catch (IOException impossible) {
                    throw new GeneralSecurityException("cannot create an empty trust store", impossible);
                }
                int i = 0;
                for (X509Certificate c : trusted) {
                    ts.setCertificateEntry("trusted-" + i++, c);
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
                tmf.init(ts);
                tm = tmf.getTrustManagers();
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(km, tm, null);
            BUILT.put(ctx, new Material(km, tm));
            return ctx;
        }
    }
}
