package io.ballast.core.affinity;

import java.nio.charset.StandardCharsets;
import java.security.DrbgParameters;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals a session's pin (its backend's name and an expiry time) into a cookie value, and opens
 * such a value again, so that the pin lives in the client and ballast keeps no table for cookie
 * affinity. A client can neither read which backend it is pinned to nor forge or alter a pin.
 *
 * <h2>Token</h2>
 * AES-GCM (128-bit tag) with a 12-byte random nonce, encoded base64url without padding:
 * <pre>
 *   version (1) | key id (1) | context (2) | nonce (12) | ciphertext of [expiry (8) | name] | tag (16)
 * </pre>
 * <ul>
 *   <li><b>key id</b>: the first byte of SHA-256 over the key, so it does not change when keys
 *       are added to or removed from the list (an index would). Two keys may share an id (1 in
 *       256); then each of them is tried.
 *   <li><b>context</b>: the first two bytes of SHA-256 over the pool's and the cookie's names. It
 *       lets {@link #open} tell a cookie sealed for another pool or cookie name ({@code FOREIGN})
 *       from a forged or damaged one ({@code TAMPERED}); it is not what protects the pin.
 *   <li><b>associated data</b>: the four header bytes, then the pool's name, a zero byte and the
 *       cookie's name. So a value copied from another pool, another cookie or a header edited by
 *       hand fails authentication: only the pool and cookie it was sealed for open it.
 *   <li><b>expiry</b>: seconds since the epoch, signed 64-bit big-endian, inside the ciphertext.
 * </ul>
 * Worked size: a backend named {@code app-3} (5 bytes) gives 4 + 12 + 8 + 5 + 16 = 45 bytes, 60
 * characters of base64url.
 *
 * <h2>Key rotation</h2>
 * The first key seals; every key opens. To rotate, put the new key first and keep the old one
 * after it for at least the cookie's max age; then drop it.
 *
 * <p>Thread-safe and non-blocking: each thread has its own {@link Cipher} and its own DRBG
 * {@link SecureRandom} for nonces, seeded once per thread and never waiting for entropy again.
 * {@link #open} never throws on any input; it answers {@link Opened.Rejected} with the reason.
 */
public final class SessionCookieCodec {
  /** Format version of the token; a token of another version is {@code MALFORMED}. */
  static final byte VERSION = 1;
  static final int HEADER = 4;
  static final int NONCE = 12;
  static final int TAG = 16;
  static final int EXPIRY = 8;
  /** Longest backend name a token carries, in UTF-8 bytes (names in config are far shorter). */
  public static final int MAX_NAME_BYTES = 255;
  /** Shortest token: a one-byte name. */
  static final int MIN_TOKEN = HEADER + NONCE + EXPIRY + 1 + TAG;
  static final int MAX_TOKEN = HEADER + NONCE + EXPIRY + MAX_NAME_BYTES + TAG;
  /** Longest cookie value {@link #open} decodes: base64 of {@link #MAX_TOKEN} bytes. */
  static final int MAX_VALUE_CHARS = (MAX_TOKEN * 4 + 2) / 3;

  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
  private static final ThreadLocal<Cipher> CIPHER = ThreadLocal.withInitial(() -> {
    try {
      return Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/GCM is missing from this JDK", e);
    }
  });
  /**
   * One DRBG per thread: a shared SecureRandom would be a lock every event loop contends for,
   * and a DRBG draws its seed once, then generates without I/O, so a nonce never waits.
   */
  private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(() -> {
    try {
      return SecureRandom.getInstance("DRBG",
          DrbgParameters.instantiation(256, DrbgParameters.Capability.NONE, null));
    } catch (NoSuchAlgorithmException e) {
      return new SecureRandom();
    }
  });

  private final List<Key> keys;
  private final byte[] aadTail;
  private final byte context0;
  private final byte context1;
  private final String pool;
  private final String cookieName;

  /**
   * @param keys AES keys of 16 or 32 bytes each, at least one: the first seals, all open
   * @param pool the pool's name, bound into every token
   * @param cookieName the cookie's name, bound into every token
   */
  public SessionCookieCodec(List<byte[]> keys, String pool, String cookieName) {
    Objects.requireNonNull(keys, "keys");
    this.pool = Objects.requireNonNull(pool, "pool");
    this.cookieName = Objects.requireNonNull(cookieName, "cookieName");
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("keys: none (expected: at least one key)");
    }
    List<Key> list = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      byte[] k = keys.get(i);
      if (k == null) {
        throw new IllegalArgumentException("keys[" + i + "]: null (expected: 16 or 32 bytes)");
      }
      if (k.length != 16 && k.length != 32) {
        throw new IllegalArgumentException(
            "keys[" + i + "]: " + k.length + " bytes (expected: 16 or 32)");
      }
      list.add(new Key(sha256(k)[0], new SecretKeySpec(k.clone(), "AES")));
    }
    this.keys = List.copyOf(list);
    byte[] p = pool.getBytes(StandardCharsets.UTF_8);
    byte[] c = cookieName.getBytes(StandardCharsets.UTF_8);
    byte[] tail = new byte[p.length + 1 + c.length];
    System.arraycopy(p, 0, tail, 0, p.length);
    System.arraycopy(c, 0, tail, p.length + 1, c.length);
    this.aadTail = tail;
    byte[] ctx = sha256(tail);
    this.context0 = ctx[0];
    this.context1 = ctx[1];
  }

  /** The result of {@link #open}. */
  public sealed interface Opened permits Opened.Valid, Opened.Rejected {
    /** The cookie is authentic, for this pool and cookie, and not expired. */
    record Valid(String backend, long expiresAtSeconds) implements Opened {}

    /** The cookie must be ignored (and counted); the request is a new session. */
    record Rejected(Reason reason) implements Opened {
      static final Rejected MALFORMED = new Rejected(Reason.MALFORMED);
      static final Rejected TAMPERED = new Rejected(Reason.TAMPERED);
      static final Rejected UNKNOWN_KEY = new Rejected(Reason.UNKNOWN_KEY);
      static final Rejected EXPIRED = new Rejected(Reason.EXPIRED);
      static final Rejected FOREIGN = new Rejected(Reason.FOREIGN);
    }
  }

  /** Why a cookie value was rejected. */
  public enum Reason {
    /** Not a token at all: empty, not base64url, too short, too long, unknown version. */
    MALFORMED,
    /** A key with the token's id exists but authentication fails: forged or altered. */
    TAMPERED,
    /** No configured key has the token's id: sealed by a key since retired, or elsewhere. */
    UNKNOWN_KEY,
    /** Authentic, but past its expiry. */
    EXPIRED,
    /** Sealed for another pool or another cookie name. */
    FOREIGN;

    /** The lower-case word used in metrics and logs. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * Seals a pin to {@code backend} valid until {@code nowSeconds + maxAgeSeconds}.
   *
   * @throws IllegalArgumentException when the name is empty or longer than
   *     {@value #MAX_NAME_BYTES} UTF-8 bytes, or the max age is not positive
   */
  public String seal(String backend, long nowSeconds, long maxAgeSeconds) {
    Objects.requireNonNull(backend, "backend");
    byte[] name = backend.getBytes(StandardCharsets.UTF_8);
    if (name.length == 0 || name.length > MAX_NAME_BYTES) {
      throw new IllegalArgumentException("backend: " + name.length + " bytes (expected: 1.."
          + MAX_NAME_BYTES + ")");
    }
    if (maxAgeSeconds <= 0) {
      throw new IllegalArgumentException("maxAgeSeconds: " + maxAgeSeconds + " (expected: > 0)");
    }
    long expiry = saturatedAdd(nowSeconds, maxAgeSeconds);
    Key key = keys.get(0);
    byte[] token = new byte[HEADER + NONCE + EXPIRY + name.length + TAG];
    token[0] = VERSION;
    token[1] = key.id;
    token[2] = context0;
    token[3] = context1;
    byte[] nonce = new byte[NONCE];
    RANDOM.get().nextBytes(nonce);
    System.arraycopy(nonce, 0, token, HEADER, NONCE);
    byte[] plain = new byte[EXPIRY + name.length];
    for (int i = 0; i < EXPIRY; i++) {
      plain[i] = (byte) (expiry >>> (56 - 8 * i));
    }
    System.arraycopy(name, 0, plain, EXPIRY, name.length);
    try {
      Cipher cipher = CIPHER.get();
      cipher.init(Cipher.ENCRYPT_MODE, key.spec,
          new GCMParameterSpec(TAG * 8, token, HEADER, NONCE));
      cipher.updateAAD(token, 0, HEADER);
      cipher.updateAAD(aadTail);
      cipher.doFinal(plain, 0, plain.length, token, HEADER + NONCE);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/GCM failed to seal", e);
    }
    return ENCODER.encodeToString(token);
  }

  /** Opens a cookie value at {@code nowSeconds}. Never throws on any input. */
  public Opened open(String value, long nowSeconds) {
    if (value == null || value.length() < (MIN_TOKEN * 4 + 2) / 3
        || value.length() > MAX_VALUE_CHARS || !base64url(value)) {
      return Opened.Rejected.MALFORMED;
    }
    byte[] token;
    try {
      token = DECODER.decode(value);
    } catch (IllegalArgumentException e) {
      // A length that base64 cannot produce (4k + 1 characters).
      return Opened.Rejected.MALFORMED;
    }
    if (token.length < MIN_TOKEN || token[0] != VERSION) {
      return Opened.Rejected.MALFORMED;
    }
    if (token[2] != context0 || token[3] != context1) {
      return Opened.Rejected.FOREIGN;
    }
    boolean known = false;
    for (Key key : keys) {
      if (key.id != token[1]) {
        continue;
      }
      known = true;
      byte[] plain = decrypt(key, token);
      if (plain != null) {
        return opened(plain, nowSeconds);
      }
    }
    return known ? Opened.Rejected.TAMPERED : Opened.Rejected.UNKNOWN_KEY;
  }

  private byte[] decrypt(Key key, byte[] token) {
    try {
      Cipher cipher = CIPHER.get();
      cipher.init(Cipher.DECRYPT_MODE, key.spec,
          new GCMParameterSpec(TAG * 8, token, HEADER, NONCE));
      cipher.updateAAD(token, 0, HEADER);
      cipher.updateAAD(aadTail);
      return cipher.doFinal(token, HEADER + NONCE, token.length - HEADER - NONCE);
    } catch (AEADBadTagException e) {
      return null;
    } catch (GeneralSecurityException | RuntimeException e) {
      // Nothing else can fail with a valid key and a well-formed token; treat it as forged
      // rather than let a request fail.
      return null;
    }
  }

  private static Opened opened(byte[] plain, long nowSeconds) {
    long expiry = 0;
    for (int i = 0; i < EXPIRY; i++) {
      expiry = (expiry << 8) | (plain[i] & 0xFF);
    }
    if (nowSeconds >= expiry) {
      return Opened.Rejected.EXPIRED;
    }
    String name = new String(plain, EXPIRY, plain.length - EXPIRY, StandardCharsets.UTF_8);
    return new Opened.Valid(name, expiry);
  }

  /** The pool this codec seals for. */
  public String pool() {
    return pool;
  }

  /** The cookie name this codec seals for. */
  public String cookieName() {
    return cookieName;
  }

  /** How many keys open tokens. */
  public int keyCount() {
    return keys.size();
  }

  @Override
  public String toString() {
    return "SessionCookieCodec[pool=" + pool + ", cookie=" + cookieName + ", keys=" + keys.size()
        + "]";
  }

  private static boolean base64url(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  private record Key(byte id, SecretKeySpec spec) {}
}
