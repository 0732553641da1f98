package dev.spindle.perf.servers.tls;

import dev.spindle.perf.servers.Cli;
import dev.spindle.tls.SelfSigned;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Writes the benchmark certificate: {@code DIR/cert.pem} and {@code DIR/key.pem}, a self-signed ECDSA P-256
 * certificate for {@code localhost} and {@code 127.0.0.1} (made by {@link SelfSigned}), the key as unencrypted
 * PKCS#8 PEM, which the JDK, Netty and OpenSSL all read.
 *
 * <pre>
 * MakeCert --dir DIR [--force true]
 * </pre>
 * An existing pair is kept (so every server of a run, and every run that reuses the directory, presents the
 * same certificate) unless {@code --force true}. Prints {@code CERT DIR/cert.pem}.
 */
public final class MakeCert {
    private MakeCert() {
    }

    public static void main(String[] args) throws IOException {
        Cli cli = Cli.parse(args, "usage: MakeCert --dir DIR [--force false|true]", Set.of("dir", "force"));
        Path dir = Path.of(cli.required("dir"));
        boolean force = cli.choice("force", "false", "true").equals("true");
        Path cert = BenchTls.certificate(dir);
        Path key = BenchTls.privateKey(dir);
        if (force || !Files.isRegularFile(cert) || !Files.isRegularFile(key)) {
            Files.createDirectories(dir);
            SelfSigned generated = SelfSigned.generate(SelfSigned.KeyType.EC_P256, "localhost");
            generated.writeCertificatePem(cert);
            generated.writePrivateKeyPem(key);
        }
        System.out.println("CERT " + cert);
    }
}
