package io.ballast.proxy.affinity;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.ballast.core.Backend;
import io.ballast.core.Ticker;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * The pins of one pool's sessions for the strategies that need memory (client IP, a header):
 * session key to backend, bounded in size and forgetting a session idle for longer than the
 * expiry. Cookie affinity needs no table: the pin travels in the cookie.
 *
 * <p>The proxy looks the key up with {@link #get}, passes the result as the pin to
 * {@code SessionAffinity.pick}, and calls {@link #put} when the backend it got differs from the
 * pin. A backend from before a configuration reload is matched by name by
 * {@code SessionAffinity}, so pins survive a reload that keeps the backend's name.
 *
 * <p>Built on Caffeine: W-TinyLFU eviction once full (a burst of one-request keys does not push
 * out the sessions in use) and expiry after access. Maintenance (evicting, expiring) runs on the
 * calling thread, amortised over reads and writes, rather than on the common fork-join pool: it
 * is a few pointer moves per write, and the size bound then holds without another thread.
 *
 * <p>Thread-safe and non-blocking for readers (event loops of every listener); a write may take
 * Caffeine's short eviction lock. {@link #get} boxes the key (Caffeine's maps take objects).
 */
public final class StickyTable {
  private final Cache<Long, Backend> cache;
  private final long maximumSize;
  private final Duration expireAfterAccess;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder expirations = new LongAdder();

  /** A table on the system clock. */
  public StickyTable(long maximumSize, Duration expireAfterAccess) {
    this(maximumSize, expireAfterAccess, Ticker.SYSTEM);
  }

  /**
   * @param maximumSize the most sessions kept; the least valuable go first once full
   * @param expireAfterAccess a session unused for this long is forgotten
   * @param ticker the clock of expiry (a fake one in tests)
   */
  public StickyTable(long maximumSize, Duration expireAfterAccess, Ticker ticker) {
    if (maximumSize < 1) {
      throw new IllegalArgumentException("maximumSize: " + maximumSize + " (expected: >= 1)");
    }
    Objects.requireNonNull(expireAfterAccess, "expireAfterAccess");
    if (expireAfterAccess.isNegative() || expireAfterAccess.isZero()) {
      throw new IllegalArgumentException(
          "expireAfterAccess: " + expireAfterAccess + " (expected: > 0)");
    }
    Objects.requireNonNull(ticker, "ticker");
    this.maximumSize = maximumSize;
    this.expireAfterAccess = expireAfterAccess;
    this.cache = Caffeine.newBuilder()
        .maximumSize(maximumSize)
        .expireAfterAccess(expireAfterAccess)
        .ticker(ticker::nanos)
        .executor(Runnable::run)
        .<Long, Backend>evictionListener((key, backend, cause) -> counted(cause))
        .build();
  }

  private void counted(RemovalCause cause) {
    if (cause == RemovalCause.EXPIRED) {
      expirations.increment();
    } else {
      evictions.increment();
    }
  }

  /** The session's backend, or null when the key has no pin (new, expired or evicted). */
  public Backend get(long key) {
    Backend b = cache.getIfPresent(key);
    (b == null ? misses : hits).increment();
    return b;
  }

  /** Pins the session to the backend (a new session, or one that moved). */
  public void put(long key, Backend backend) {
    cache.put(key, Objects.requireNonNull(backend, "backend"));
  }

  /** Forgets the session's pin. */
  public void remove(long key) {
    cache.invalidate(key);
  }

  /**
   * Sessions kept. Expired entries are removed first, so the answer is exact apart from writes
   * racing with the call.
   */
  public long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  /** Forgets every pin (the pool was replaced, or an operator asked). */
  public void clear() {
    cache.invalidateAll();
  }

  public long maximumSize() {
    return maximumSize;
  }

  public Duration expireAfterAccess() {
    return expireAfterAccess;
  }

  /** Counts since the table was made, for metrics. Thread-safe. */
  public Counters counters() {
    return new Counters(hits.sum(), misses.sum(), evictions.sum(), expirations.sum());
  }

  /**
   * @param hits lookups that found a pin
   * @param misses lookups that found none
   * @param evictions pins dropped because the table was full
   * @param expirations pins dropped because their session was idle past the expiry
   */
  public record Counters(long hits, long misses, long evictions, long expirations) {}

  @Override
  public String toString() {
    return "StickyTable[size=" + cache.estimatedSize() + "/" + maximumSize + ", expireAfterAccess="
        + expireAfterAccess + ", " + counters() + "]";
  }
}
