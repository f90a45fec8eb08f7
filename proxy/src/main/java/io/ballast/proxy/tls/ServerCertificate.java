package io.ballast.proxy.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * One server certificate loaded and checked: its chain, its key (which must belong to the
 * certificate: a mismatched pair would load and then fail every handshake), the host names it
 * answers and when it expires.
 *
 * @param index its place in the listener's list, for messages
 * @param chain the server's certificate first, then intermediates
 * @param key the private key of {@code chain[0]}
 * @param names lowercase host names, exact or {@code *.} wildcards
 * @param isDefault answers clients that send no name or an unknown one
 * @param fileBytes the cert and key files' contents, to tell a changed file from an unchanged one
 */
public record ServerCertificate(int index, List<X509Certificate> chain, PrivateKey key,
    List<String> names, boolean isDefault, byte[] fileBytes) {

  public ServerCertificate {
    chain = List.copyOf(chain);
    names = List.copyOf(names);
  }

  /** The leaf certificate's subject, RFC 2253. */
  public String subject() {
    return chain.get(0).getSubjectX500Principal().getName();
  }

  public Instant notAfter() {
    return chain.get(0).getNotAfter().toInstant();
  }

  /** Reads and checks the files of {@code spec}, the {@code index}th certificate. */
  static ServerCertificate load(TlsSettings.CertificateSpec spec, int index) throws TlsException {
    return load(spec, index, "certificates[" + index + "].");
  }

  /** As above, naming fields with {@code prefix} ("certificates[1]." or "" for a client's). */
  static ServerCertificate load(TlsSettings.CertificateSpec spec, int index, String prefix)
      throws TlsException {
    String at = prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix;
    byte[] certFile = read(spec.cert().toString(), prefix + "cert");
    byte[] keyFile = read(spec.key().toString(), prefix + "key");
    List<X509Certificate> chain;
    try {
      chain = Pem.certificates(certFile);
    } catch (GeneralSecurityException e) {
      throw new TlsException(prefix + "cert", spec.cert() + ": " + e.getMessage(), e);
    }
    PrivateKey key;
    try {
      key = Pem.privateKey(keyFile);
    } catch (GeneralSecurityException e) {
      throw new TlsException(prefix + "key", spec.key() + ": " + e.getMessage(), e);
    }
    if (!belongs(key, chain.get(0).getPublicKey())) {
      throw new TlsException(prefix + "key", spec.key() + " is not the key of " + spec.cert()
          + " (subject " + chain.get(0).getSubjectX500Principal().getName()
          + "; expected: the private key the certificate was issued for)");
    }
    List<String> names = new ArrayList<>();
    for (String n : spec.names().isEmpty() ? dnsNames(chain.get(0)) : spec.names()) {
      names.add(n.toLowerCase(Locale.ROOT));
    }
    if (names.isEmpty()) {
      throw new TlsException(prefix + "names", spec.cert() + " names no host (no DNS subject"
          + " alternative name and no common name; expected: names, listing the hosts it serves)");
    }
    byte[] both = new byte[certFile.length + keyFile.length];
    System.arraycopy(certFile, 0, both, 0, certFile.length);
    System.arraycopy(keyFile, 0, both, certFile.length, keyFile.length);
    return new ServerCertificate(index, chain, key, names, spec.isDefault(), both);
  }

  static byte[] read(String path, String field) throws TlsException {
    try {
      return Files.readAllBytes(java.nio.file.Path.of(path));
    } catch (IOException | SecurityException e) {
      throw new TlsException(field, path + ": cannot be read (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
    }
  }

  /**
   * True when {@code key} signs what {@code publicKey} verifies: the one test that works for
   * every key type without comparing their internals.
   */
  static boolean belongs(PrivateKey key, PublicKey publicKey) throws TlsException {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      case "RSASSA-PSS" -> "RSASSA-PSS";
      default -> null;
    };
    if (algorithm == null || !key.getAlgorithm().equals(publicKey.getAlgorithm())
        && !(algorithm.equals("Ed25519") && publicKey.getAlgorithm().startsWith("Ed"))) {
      return false;
    }
    try {
      byte[] challenge = new byte[32];
      new SecureRandom().nextBytes(challenge);
      Signature signer = signature(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = signature(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static Signature signature(String algorithm) throws GeneralSecurityException {
    Signature s = Signature.getInstance(algorithm);
    if (algorithm.equals("RSASSA-PSS")) {
      s.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
          java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
    }
    return s;
  }

  /** The certificate's DNS subject alternative names, else its common name. */
  static List<String> dnsNames(X509Certificate cert) throws TlsException {
    List<String> out = new ArrayList<>();
    try {
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (san.size() >= 2 && Integer.valueOf(2).equals(san.get(0))) {
            out.add(String.valueOf(san.get(1)));
          }
        }
      }
    } catch (CertificateParsingException e) {
      throw new TlsException("certificates", "subject alternative names cannot be read: "
          + e.getMessage(), e);
    }
    if (out.isEmpty()) {
      try {
        for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
          if (rdn.getType().equalsIgnoreCase("CN")) {
            out.add(String.valueOf(rdn.getValue()));
          }
        }
      } catch (InvalidNameException e) {
        // No usable common name: the caller says the certificate names no host.
      }
    }
    return out;
  }
}
