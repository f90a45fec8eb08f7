package io.ballast.proxy.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;

/**
 * A self-signed ECDSA P-256 certificate made in memory with the JDK alone, for {@code ballast
 * demo}'s HTTPS listener: an X.509 v3 certificate (RFC 5280 section 4.1) whose subject and
 * issuer are {@code CN=<name>}, with the name and 127.0.0.1 as subject alternative names, valid
 * from an hour ago for {@code days}. The DER is written by hand (a few dozen bytes of structure)
 * because the JDK has no public certificate builder and a crypto library for one certificate
 * would weigh more than ballast.
 *
 * @param certificate the certificate
 * @param certificatePem it, as PEM
 * @param keyPem its private key, PKCS#8 PEM
 */
public record SelfSignedCertificate(X509Certificate certificate, String certificatePem,
    String keyPem) {
  /** ecdsa-with-SHA256, 1.2.840.10045.4.3.2. */
  private static final byte[] ECDSA_SHA256 = Der.tlv(0x30, Der.tlv(0x06,
      new byte[] {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x04, 0x03, 0x02}));
  /** commonName, 2.5.4.3. */
  private static final byte[] CN = Der.tlv(0x06, new byte[] {0x55, 0x04, 0x03});
  /** subjectAltName, 2.5.29.17. */
  private static final byte[] SAN = Der.tlv(0x06, new byte[] {0x55, 0x1d, 0x11});
  private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'");

  /** Makes a certificate for {@code name} (a DNS name) valid for {@code days}. */
  public static SelfSignedCertificate make(String name, int days) throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair keys = g.generateKeyPair();
    byte[] serial = new byte[16];
    new SecureRandom().nextBytes(serial);
    serial[0] &= 0x7f; // positive
    ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
    byte[] subject = Der.tlv(0x30, Der.tlv(0x31, Der.tlv(0x30,
        Der.concat(CN, Der.tlv(0x0c, name.getBytes(StandardCharsets.UTF_8))))));
    byte[] altNames = Der.tlv(0x30, Der.concat(
        Der.tlv(0x82, name.getBytes(StandardCharsets.US_ASCII)),
        Der.tlv(0x87, InetAddress.getLoopbackAddress().getAddress())));
    byte[] extensions = Der.tlv(0xa3, Der.tlv(0x30, Der.tlv(0x30,
        Der.concat(SAN, Der.tlv(0x04, altNames)))));
    byte[] tbs = Der.tlv(0x30, Der.concat(
        Der.tlv(0xa0, Der.tlv(0x02, new byte[] {2})),
        Der.tlv(0x02, new BigInteger(serial).toByteArray()),
        ECDSA_SHA256,
        subject,
        Der.tlv(0x30, Der.concat(time(now.minusHours(1)), time(now.plusDays(days)))),
        subject,
        keys.getPublic().getEncoded(),
        extensions));
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(keys.getPrivate());
    signer.update(tbs);
    byte[] signature = signer.sign();
    byte[] bitString = new byte[signature.length + 1]; // no unused bits
    System.arraycopy(signature, 0, bitString, 1, signature.length);
    byte[] der = Der.tlv(0x30, Der.concat(tbs, ECDSA_SHA256, Der.tlv(0x03, bitString)));
    X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(der));
    cert.verify(keys.getPublic());
    return new SelfSignedCertificate(cert, pem("CERTIFICATE", der),
        pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
  }

  /** Writes {@code cert.pem} and {@code key.pem} (owner-only) into {@code dir}. */
  public Written write(Path dir) throws IOException {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Files.writeString(cert, certificatePem);
    Files.writeString(key, keyPem);
    try {
      Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions
          .fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: the temporary directory's own permissions apply.
    }
    return new Written(cert, key);
  }

  /** Where {@link #write} put the two files. */
  public record Written(Path cert, Path key) {}

  private static byte[] time(ZonedDateTime t) {
    return Der.tlv(0x17, UTC_TIME.format(t).getBytes(StandardCharsets.US_ASCII));
  }

  private static String pem(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + label + "-----\n";
  }
}
