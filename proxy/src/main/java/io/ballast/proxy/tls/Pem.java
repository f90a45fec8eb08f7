package io.ballast.proxy.tls;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM files: certificate chains and unencrypted private keys. Keys come as PKCS#8
 * ({@code PRIVATE KEY}), or in the two older forms that {@code openssl} still writes, PKCS#1
 * ({@code RSA PRIVATE KEY}) and SEC 1 ({@code EC PRIVATE KEY}); those are wrapped into PKCS#8
 * here (RFC 5208: version 0, the algorithm identifier, the old key as an octet string), because
 * the JDK reads only PKCS#8.
 *
 * <p>Stateless; thread-safe. Errors say what was found and what was expected; the caller adds
 * which file.
 */
final class Pem {
  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
  /** rsaEncryption, 1.2.840.113549.1.1.1, DER-encoded. */
  private static final byte[] RSA_OID =
      {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
  /** id-ecPublicKey, 1.2.840.10045.2.1, DER-encoded. */
  private static final byte[] EC_OID =
      {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
  private static final byte[] DER_NULL = {0x05, 0x00};

  private Pem() {}

  /** One PEM block: its label ("CERTIFICATE") and its decoded bytes. */
  record Block(String label, byte[] der) {}

  static List<Block> blocks(byte[] file) {
    String text = new String(file, StandardCharsets.US_ASCII);
    List<Block> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      byte[] der;
      try {
        der = Base64.getMimeDecoder().decode(m.group(2));
      } catch (IllegalArgumentException e) {
        der = new byte[0];
      }
      out.add(new Block(m.group(1), der));
    }
    return out;
  }

  /** Every certificate of a PEM file, leaf first as written. */
  static List<X509Certificate> certificates(byte[] file) throws GeneralSecurityException {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    List<X509Certificate> out = new ArrayList<>();
    for (Block b : blocks(file)) {
      if (!b.label().equals("CERTIFICATE")) {
        continue;
      }
      try {
        out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der())));
      } catch (CertificateException e) {
        throw new CertificateException("certificate " + (out.size() + 1)
            + " cannot be read (" + e.getMessage() + ")", e);
      }
    }
    if (out.isEmpty()) {
      throw new CertificateException("no PEM certificate in it (expected: one or more"
          + " '-----BEGIN CERTIFICATE-----' blocks, the server's certificate first)");
    }
    return out;
  }

  /** The one private key of a PEM file. */
  static PrivateKey privateKey(byte[] file) throws GeneralSecurityException {
    List<Block> keys = new ArrayList<>();
    for (Block b : blocks(file)) {
      if (b.label().endsWith("PRIVATE KEY")) {
        keys.add(b);
      }
    }
    if (keys.size() != 1) {
      throw new GeneralSecurityException((keys.isEmpty() ? "no" : keys.size())
          + " PEM private key" + (keys.isEmpty() ? "" : "s") + " in it (expected: exactly one"
          + " '-----BEGIN PRIVATE KEY-----', 'RSA PRIVATE KEY' or 'EC PRIVATE KEY' block)");
    }
    Block b = keys.get(0);
    return switch (b.label()) {
      case "PRIVATE KEY" -> pkcs8(b.der());
      case "RSA PRIVATE KEY" -> KeyFactory.getInstance("RSA")
          .generatePrivate(new PKCS8EncodedKeySpec(wrap(sequence(RSA_OID, DER_NULL), b.der())));
      case "EC PRIVATE KEY" -> KeyFactory.getInstance("EC").generatePrivate(
          new PKCS8EncodedKeySpec(wrap(sequence(EC_OID, curveOf(b.der())), b.der())));
      case "ENCRYPTED PRIVATE KEY" -> throw new GeneralSecurityException("the private key is"
          + " encrypted (expected: an unencrypted key; write one with"
          + " 'openssl pkey -in KEY -out PLAIN_KEY')");
      default -> throw new GeneralSecurityException("'" + b.label() + "' keys are not supported"
          + " (expected: PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
    };
  }

  private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    GeneralSecurityException last = null;
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "RSASSA-PSS"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException e) {
        last = e;
      }
    }
    throw new GeneralSecurityException("the private key cannot be read (expected: an RSA, EC"
        + " or Ed25519 key in PKCS#8)", last);
  }

  /**
   * The named-curve OID of a SEC 1 key (RFC 5915: SEQUENCE { version, privateKey OCTET STRING,
   * [0] parameters OPTIONAL, [1] publicKey OPTIONAL }).
   */
  private static byte[] curveOf(byte[] sec1) throws GeneralSecurityException {
    Der in = new Der(sec1);
    Der seq = in.enter(0x30);
    seq.skip(0x02);
    seq.skip(0x04);
    if (seq.peek() != 0xa0) {
      throw new GeneralSecurityException("the EC private key names no curve (expected: a"
          + " named curve; write the key with 'openssl ec -param_out' or as PKCS#8)");
    }
    return seq.enter(0xa0).whole();
  }

  /** PKCS#8: SEQUENCE { INTEGER 0, algorithm, OCTET STRING key }. */
  private static byte[] wrap(byte[] algorithm, byte[] key) {
    return Der.tlv(0x30,
        Der.concat(new byte[] {0x02, 0x01, 0x00}, algorithm, Der.tlv(0x04, key)));
  }

  private static byte[] sequence(byte[]... parts) {
    return Der.tlv(0x30, Der.concat(parts));
  }
}
