package io.ballast.proxy.affinity;

import io.ballast.core.affinity.AffinitySettings;
import io.ballast.proxy.client.HashKey;
import io.ballast.proxy.http1.HeaderRewriter;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How a pool keeps a user on one backend: where the session is recognised (a cookie ballast
 * sets, the client's address, a header, or the key of the pool's hash algorithm), where the pin
 * is remembered (in the cookie itself, or in a bounded, expiring sticky table), and the pool's
 * {@link AffinitySettings} (bounded load for new pins, strict or soft by default, rebalancing).
 * Immutable; equal specs build equal behaviour (keys are kept as their base64 text so that two
 * specs with the same keys are equal).
 *
 * @param strategy where the session comes from
 * @param cookie the cookie's attributes and keys; set exactly for {@link Strategy#COOKIE}, or for
 *     {@link Strategy#HEADER} with the cookie fallback
 * @param clientIp the subnet masks of the IP strategy (and of the IP fallback)
 * @param header the header naming the session, for {@link Strategy#HEADER}; else null
 * @param fallback what a request without the header uses, for {@link Strategy#HEADER}: COOKIE, IP
 *     or null for no affinity (the pool's algorithm alone)
 * @param tableSize the most sessions the sticky table remembers (IP and header strategies)
 * @param tableIdle how long a session unused is remembered
 * @param settings bounded load, strict default, rebalancing
 */
public record AffinitySpec(Strategy strategy, Cookie cookie, HashKey.ClientIp clientIp,
    String header, Strategy fallback, long tableSize, Duration tableIdle,
    AffinitySettings settings) {
  /** The sticky table's size when the file does not say. */
  public static final long DEFAULT_TABLE_SIZE = 100_000;
  /** How long an unused session is remembered when the file does not say. */
  public static final Duration DEFAULT_TABLE_IDLE = Duration.ofMinutes(30);
  /** The IP strategy's masks when the file does not say: a client's /24 or /64 stays together. */
  public static final HashKey.ClientIp DEFAULT_CLIENT_IP = new HashKey.ClientIp(24, 64);

  /** Where a request's session comes from. */
  public enum Strategy {
    /** A cookie ballast sets, naming the backend, sealed with AES-GCM. No table. */
    COOKIE,
    /** The client's address under subnet masks, through trusted proxies only. */
    IP,
    /** A request header's value, such as a user or tenant id. */
    HEADER,
    /**
     * The key of the pool's consistent-hash algorithm (ring-hash, maglev, bounded-load-hash):
     * the ring or table is the memory; a lost backend's keys move to the next one by the
     * algorithm's rule and nobody else's move.
     */
    HASH;

    /** The config name: "cookie", "ip", "header", "hash". */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public AffinitySpec {
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(clientIp, "clientIp");
    boolean wantsCookie = strategy == Strategy.COOKIE
        || (strategy == Strategy.HEADER && fallback == Strategy.COOKIE);
    if (wantsCookie != (cookie != null)) {
      throw new IllegalArgumentException("cookie: " + (cookie == null ? "none" : cookie.name())
          + " (expected: " + (wantsCookie ? "a cookie for " : "no cookie for ")
          + strategy.configName() + (strategy == Strategy.HEADER ? " with fallback "
              + (fallback == null ? "none" : fallback.configName()) : "") + ")");
    }
    if ((strategy == Strategy.HEADER) != (header != null)) {
      throw new IllegalArgumentException("header: " + header + " (expected: a header name exactly"
          + " for the header strategy)");
    }
    if (header != null && (header.isEmpty() || !HeaderRewriter.isToken(header))) {
      throw new IllegalArgumentException("header: '" + header + "' (expected: a header name such as"
          + " X-Tenant-Id)");
    }
    if (fallback != null && (strategy != Strategy.HEADER
        || (fallback != Strategy.COOKIE && fallback != Strategy.IP))) {
      throw new IllegalArgumentException("fallback: " + fallback.configName()
          + " (expected: cookie or ip, and only for the header strategy)");
    }
    if (tableSize < 1) {
      throw new IllegalArgumentException("tableSize: " + tableSize + " (expected: >= 1)");
    }
    Objects.requireNonNull(tableIdle, "tableIdle");
    if (tableIdle.isNegative() || tableIdle.isZero()) {
      throw new IllegalArgumentException("tableIdle: " + tableIdle + " (expected: > 0)");
    }
    if (strategy == Strategy.HASH && settings.strict()) {
      throw new IllegalArgumentException("strict: true (expected: soft affinity for the hash"
          + " strategy: the ring remembers no pin to refuse on)");
    }
  }

  /**
   * True when ballast itself remembers each session's backend (cookie, IP, header), so that a
   * route can be strict about it; false for the hash strategy, whose ring is the memory.
   */
  public boolean usesMemory() {
    return strategy != Strategy.HASH;
  }

  /** True when the pins live in the sticky table (IP and header strategies, IP fallback). */
  public boolean usesTable() {
    return strategy == Strategy.IP || strategy == Strategy.HEADER;
  }

  /**
   * The affinity cookie: its attributes as sent in Set-Cookie, and the AES keys that seal and
   * open it.
   *
   * @param name the cookie's name, a token
   * @param path the Path attribute, or null to leave it out
   * @param domain the Domain attribute, or null (the cookie goes back to this host only)
   * @param secure the Secure attribute (only sent over HTTPS)
   * @param httpOnly the HttpOnly attribute (not readable by scripts)
   * @param sameSite Strict, Lax or None, or null to leave the attribute out
   * @param maxAge the Max-Age attribute and the pin's lifetime; null for a cookie that lives
   *     until the browser closes, whose pin is then good for {@link #SESSION_PIN_LIFETIME}
   * @param keys base64 AES keys of 16 or 32 bytes: the first seals, all open (rotation)
   */
  public record Cookie(String name, String path, String domain, boolean secure, boolean httpOnly,
      String sameSite, Duration maxAge, List<String> keys) {
    /** How long the pin in a cookie without Max-Age is good for; reissued when half is used. */
    public static final Duration SESSION_PIN_LIFETIME = Duration.ofHours(24);
    public static final String DEFAULT_NAME = "ballast_affinity";

    public Cookie {
      Objects.requireNonNull(name, "name");
      if (name.isEmpty() || !HeaderRewriter.isToken(name)) {
        throw new IllegalArgumentException("name: '" + name + "' (expected: a cookie name such as "
            + DEFAULT_NAME + ")");
      }
      checkAttribute("path", path);
      checkAttribute("domain", domain);
      if (sameSite != null && !List.of("Strict", "Lax", "None").contains(sameSite)) {
        throw new IllegalArgumentException("sameSite: " + sameSite
            + " (expected: Strict, Lax or None)");
      }
      if ("None".equals(sameSite) && !secure) {
        // Browsers drop a SameSite=None cookie that is not Secure.
        throw new IllegalArgumentException("sameSite: None (expected: only with secure: true)");
      }
      if (maxAge != null && maxAge.getSeconds() < 1) {
        throw new IllegalArgumentException("maxAge: " + maxAge + " (expected: >= 1s)");
      }
      keys = List.copyOf(keys);
      if (keys.isEmpty()) {
        throw new IllegalArgumentException("keys: [] (expected: at least one base64 key of 16 or"
            + " 32 bytes)");
      }
      for (int i = 0; i < keys.size(); i++) {
        int n = decodedLength(keys.get(i));
        if (n != 16 && n != 32) {
          throw new IllegalArgumentException("keys[" + i + "]: "
              + (n < 0 ? "not base64" : n + " bytes") + " (expected: 16 or 32 bytes, base64)");
        }
      }
    }

    /** The keys as bytes, first (sealing) key first. */
    public List<byte[]> keyBytes() {
      return keys.stream().map(k -> Base64.getDecoder().decode(k.strip())).toList();
    }

    /** How long a pin is good for: Max-Age, or a day for a browser-session cookie. */
    public Duration pinLifetime() {
      return maxAge == null ? SESSION_PIN_LIFETIME : maxAge;
    }

    private static int decodedLength(String base64) {
      try {
        return Base64.getDecoder().decode(base64.strip()).length;
      } catch (IllegalArgumentException e) {
        return -1;
      }
    }

    private static void checkAttribute(String field, String value) {
      if (value == null) {
        return;
      }
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if (c <= ' ' || c == ';' || c == ',' || c >= 0x7f) {
          throw new IllegalArgumentException(field + ": '" + value + "' (expected: no spaces,"
              + " ';', ',' or control characters)");
        }
      }
      if (value.isEmpty()) {
        throw new IllegalArgumentException(field + ": '' (expected: not empty)");
      }
    }
  }
}
