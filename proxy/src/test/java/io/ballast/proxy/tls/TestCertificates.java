package io.ballast.proxy.tls;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Real certificates for TLS tests, made by the {@code openssl} command (installed by
 * {@code .ci/run}) in a directory of the test's: a CA, server certificates signed by it (RSA
 * 2048 and ECDSA P-256, with subject alternative names), client certificates (one valid, one
 * expired, one from a CA nobody trusts), and keys in each PEM form a user may have (PKCS#8,
 * PKCS#1, SEC 1). Without openssl the test is skipped, or fails under CI=true.
 *
 * <p>Not thread-safe; one per test class or test.
 */
public final class TestCertificates {
  public static final String PASSWORD = "changeit";
  private final Path dir;

  public TestCertificates(Path dir) throws Exception {
    this.dir = dir;
    boolean ci = "true".equals(System.getenv("CI"));
    boolean present = Files.isExecutable(Path.of("/usr/bin/openssl"))
        || Files.isExecutable(Path.of("/bin/openssl"));
    if (!present && ci) {
      throw new IllegalStateException("openssl is missing (.ci/run installs it)");
    }
    assumeTrue(present, "openssl is not installed; the TLS tests need it (apt-get install openssl)");
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650", "-subj", "/CN=ballast test CA");
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "rogue-ca.key", "-out", "rogue-ca.pem", "-days", "3650",
        "-subj", "/CN=nobody trusts me");
  }

  public Path dir() {
    return dir;
  }

  public Path ca() {
    return dir.resolve("ca.pem");
  }

  /** A server certificate for {@code names} with an RSA 2048 key in PKCS#8. */
  public Pair rsaServer(String file, String... names) throws Exception {
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
        "-out", file + ".key");
    return sign(file, "ca", names[0], names, 825);
  }

  /** A server certificate for {@code names} with an ECDSA P-256 key in PKCS#8. */
  public Pair ecServer(String file, String... names) throws Exception {
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-out", file + ".key");
    return sign(file, "ca", names[0], names, 825);
  }

  /** Rewrites a pair's RSA key as PKCS#1 ({@code RSA PRIVATE KEY}). */
  public Path pkcs1(Pair pair) throws Exception {
    openssl("rsa", "-in", name(pair.key()), "-traditional", "-out", name(pair.key()) + ".pkcs1");
    return dir.resolve(name(pair.key()) + ".pkcs1");
  }

  /** Rewrites a pair's EC key as SEC 1 ({@code EC PRIVATE KEY}). */
  public Path sec1(Pair pair) throws Exception {
    openssl("ec", "-in", name(pair.key()), "-out", name(pair.key()) + ".sec1");
    return dir.resolve(name(pair.key()) + ".sec1");
  }

  /** A client certificate for {@code cn}, signed by the test CA. */
  public Pair client(String file, String cn) throws Exception {
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-out", file + ".key");
    return sign(file, "ca", cn, new String[0], 30);
  }

  /** A client certificate signed by a CA nobody trusts. */
  public Pair rogueClient(String file, String cn) throws Exception {
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-out", file + ".key");
    return sign(file, "rogue-ca", cn, new String[0], 30);
  }

  /**
   * A client certificate of the test CA that expired in 2021: signed by keytool (the JDK's),
   * whose {@code -startdate} can date a certificate in the past where openssl 3.0 cannot.
   */
  public Pair expiredClient(String file, String cn) throws Exception {
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-out", file + ".key");
    openssl("req", "-new", "-key", file + ".key", "-out", file + ".csr", "-subj", "/CN=" + cn);
    openssl("pkcs12", "-export", "-inkey", "ca.key", "-in", "ca.pem", "-name", "ca",
        "-out", "ca.p12", "-passout", "pass:" + PASSWORD);
    run(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-gencert", "-rfc", "-keystore", "ca.p12", "-storetype", "PKCS12",
        "-storepass", PASSWORD, "-alias", "ca", "-infile", file + ".csr", "-outfile",
        file + ".pem", "-startdate", "2020/01/01 00:00:00", "-validity", "365"));
    return new Pair(dir.resolve(file + ".pem"), dir.resolve(file + ".key"));
  }

  /** An SSLContext that trusts the test CA and presents {@code client} (null: none). */
  public SSLContext clientContext(Pair client) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", read(ca()).get(0));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (client != null) {
      String p12 = name(client.cert()) + ".p12";
      openssl("pkcs12", "-export", "-inkey", name(client.key()), "-in", name(client.cert()),
          "-name", "client", "-out", p12, "-passout", "pass:" + PASSWORD);
      KeyStore keys = KeyStore.getInstance("PKCS12");
      try (var in = Files.newInputStream(dir.resolve(p12))) {
        keys.load(in, PASSWORD.toCharArray());
      }
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, PASSWORD.toCharArray());
    }
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return ssl;
  }

  public static List<X509Certificate> read(Path pem) throws Exception {
    CertificateFactory f = CertificateFactory.getInstance("X.509");
    List<X509Certificate> out = new ArrayList<>();
    try (var in = Files.newInputStream(pem)) {
      for (var c : f.generateCertificates(in)) {
        out.add((X509Certificate) c);
      }
    }
    return out;
  }

  /** A certificate file and its key file. */
  public record Pair(Path cert, Path key) {}

  private Pair sign(String file, String ca, String cn, String[] names, int days)
      throws Exception {
    openssl("req", "-new", "-key", file + ".key", "-out", file + ".csr", "-subj", "/CN=" + cn);
    List<String> args = new ArrayList<>(List.of("x509", "-req", "-in", file + ".csr",
        "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial", "-out", file + ".pem",
        "-days", String.valueOf(days), "-sha256"));
    Path ext = dir.resolve(file + ".ext");
    StringBuilder e = new StringBuilder("basicConstraints=CA:FALSE\n");
    if (names.length > 0) {
      e.append("subjectAltName=");
      for (int i = 0; i < names.length; i++) {
        e.append(i == 0 ? "" : ",").append(names[i].matches("[0-9.]+") ? "IP:" : "DNS:")
            .append(names[i]);
      }
      e.append('\n');
      e.append("extendedKeyUsage=serverAuth\n");
    } else {
      e.append("extendedKeyUsage=clientAuth\n");
    }
    Files.writeString(ext, e.toString());
    args.addAll(List.of("-extfile", ext.getFileName().toString()));
    openssl(args.toArray(new String[0]));
    return new Pair(dir.resolve(file + ".pem"), dir.resolve(file + ".key"));
  }

  private String name(Path p) {
    return dir.relativize(p).toString();
  }

  private void openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add("openssl");
    cmd.addAll(List.of(args));
    run(cmd);
  }

  private void run(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("timed out: " + cmd);
    }
    if (p.exitValue() != 0) {
      throw new IOException(cmd + " failed (" + p.exitValue() + "): "
          + new String(out, StandardCharsets.UTF_8));
    }
  }
}
