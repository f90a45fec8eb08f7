package io.ballast.proxy.ratelimit;

import io.ballast.proxy.client.CidrSet;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One token-bucket rate limit: {@code tokens} requests every {@code period}, with room for
 * {@code burst} at once, counted per {@link Key}. Immutable; equal specs keep their buckets across
 * a reload.
 *
 * @param name shown in logs, the 429's {@code RateLimit-Policy} and the access log
 * @param key what a bucket is counted per
 * @param header the header whose value keys the buckets, for {@link Key#HEADER}; else null
 * @param tokens requests allowed per {@code period} (the refill), at least 1
 * @param period the refill period
 * @param burst the bucket's capacity: requests allowed at once after a quiet spell, at least 1
 * @param exempt clients never limited (behind trusted proxies: the forwarded client)
 * @param maxKeys at most this many buckets are kept; the least recently used go first
 */
public record RateLimitSpec(String name, Key key, String header, long tokens, Duration period,
    long burst, CidrSet exempt, int maxKeys) {
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  /** What a bucket is counted per. */
  public enum Key {
    /** The client's address. */
    CLIENT,
    /**
     * A header's value (an API key); a request without the header is counted by its client's
     * address, so that leaving the header out is no way around the limit.
     */
    HEADER,
    /** Nothing: one bucket for every request the limit sees. */
    GLOBAL
  }

  public RateLimitSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(exempt, "exempt");
    if ((key == Key.HEADER) != (header != null)) {
      throw new IllegalArgumentException("header: " + header + " (expected: a header name exactly"
          + " when the key is HEADER)");
    }
    if (header != null && !TOKEN.matcher(header).matches()) {
      throw new IllegalArgumentException("header: '" + header + "' (expected: a header name)");
    }
    if (tokens < 1 || burst < 1) {
      throw new IllegalArgumentException("tokens: " + tokens + ", burst: " + burst
          + " (expected: >= 1)");
    }
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("period: " + period + " (expected: > 0)");
    }
    if (maxKeys < 1) {
      throw new IllegalArgumentException("maxKeys: " + maxKeys + " (expected: >= 1)");
    }
  }

  /**
   * How long an empty bucket takes to fill up: the {@code w} of {@code RateLimit-Policy}, in whole
   * seconds (at least 1). 100 a second with a burst of 200: 2 s.
   */
  public long windowSeconds() {
    double nanos = (double) burst * period.toNanos() / tokens;
    return Math.max(1, (long) Math.ceil(nanos / 1e9));
  }

  @Override
  public String toString() {
    return name + ": " + tokens + "/" + period.toMillis() + "ms, burst " + burst + ", per "
        + (key == Key.HEADER ? "header " + header : key.name().toLowerCase(java.util.Locale.ROOT));
  }
}
