package io.ballast.server.admin;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.ballast.core.Ticker;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slows down anyone guessing the admin token: after {@link #MAX_FAILURES} wrong or missing tokens
 * from one client address within {@link #WINDOW}, every action from that address is refused with
 * 429 for {@link #LOCKOUT} (a right token too: otherwise the guessing would only go on more
 * slowly), and the failures are logged without flooding the log.
 *
 * <p>Worked example, the defaults (5 failures, 60 s window, 60 s lockout): 10.0.0.5 sends wrong
 * tokens at t = 0, 1, 2, 3 and 4 s; the fifth locks it out until t = 64 s, and every action it
 * sends until then gets 429 with {@code Retry-After} counting down (60 at t = 4, 1 at t = 63.5).
 * At t = 64 its slate is clean. A client that fails four times a minute is never locked out, at
 * 5760 guesses a day: a 16-character token (the shortest accepted) is not found that way.
 *
 * <p>Memory is bounded: at most {@link #MAX_ADDRESSES} addresses are tracked (the least recently
 * failing ones go first), so an attacker rotating addresses cannot grow it; each then gets its 5
 * guesses a minute, which a token of at least 16 characters still outlasts. Log lines: the first
 * failure of an address in its window and each lockout, at most {@link #LOG_LINES_PER_MINUTE} a
 * minute in all; what was left out is counted in the next line. Everything is counted in
 * {@code lb_admin_token_failures_total} and {@code lb_admin_lockouts_total}.
 *
 * <p>Thread-safe (the admin listener's event loop calls it; the counters are atomic).
 */
final class TokenGuard {
  static final int MAX_FAILURES = 5;
  static final Duration WINDOW = Duration.ofMinutes(1);
  static final Duration LOCKOUT = Duration.ofMinutes(1);
  static final int MAX_ADDRESSES = 10_000;
  static final int LOG_LINES_PER_MINUTE = 10;

  private static final Logger LOG = LoggerFactory.getLogger(TokenGuard.class);
  private static final long MINUTE_NANOS = Duration.ofMinutes(1).toNanos();
  private static final Map<PrometheusRegistry, Counter[]> COUNTERS =
      Collections.synchronizedMap(new WeakHashMap<>());

  private final Ticker ticker;
  /** Per address: failures in the current window, when it started, when a lockout ends. */
  private final Cache<InetAddress, Record> records;
  private final Counter failures;
  private final Counter lockouts;
  private long logMinuteStart;
  private int logLines;
  private final AtomicLong suppressed = new AtomicLong();

  TokenGuard(Ticker ticker, PrometheusRegistry registry) {
    this.ticker = ticker;
    this.records = Caffeine.newBuilder()
        .maximumSize(MAX_ADDRESSES)
        .expireAfterAccess(WINDOW.plus(LOCKOUT))
        .ticker(ticker::nanos)
        .executor(Runnable::run)
        .build();
    Counter[] counters = COUNTERS.computeIfAbsent(registry, TokenGuard::register);
    this.failures = counters[0];
    this.lockouts = counters[1];
    this.logMinuteStart = ticker.nanos() - MINUTE_NANOS;
  }

  /**
   * Seconds until {@code from} may act again (rounded up, at least 1), or 0 when it is not
   * locked out.
   */
  synchronized long lockedSeconds(InetAddress from) {
    Record r = records.getIfPresent(from);
    if (r == null || r.lockedUntil == 0) {
      return 0;
    }
    long left = r.lockedUntil - ticker.nanos();
    if (left <= 0) {
      records.invalidate(from);
      return 0;
    }
    return Math.max(1, (left + 999_999_999L) / 1_000_000_000L);
  }

  /** How many addresses are tracked now (at most {@link #MAX_ADDRESSES}). */
  long tracked() {
    records.cleanUp();
    return records.estimatedSize();
  }

  /** {@code from} presented a missing or wrong token for {@code what} ("POST /admin/reload"). */
  synchronized void failed(InetAddress from, String what) {
    failures.inc();
    long now = ticker.nanos();
    Record r = records.getIfPresent(from);
    if (r == null || now - r.windowStart >= WINDOW.toNanos()) {
      r = new Record(now);
      records.put(from, r);
      log("admin: missing or wrong token from {} ({})", from.getHostAddress(), what);
    }
    r.failures++;
    if (r.failures >= MAX_FAILURES && r.lockedUntil == 0) {
      r.lockedUntil = now + LOCKOUT.toNanos();
      lockouts.inc();
      log("admin: {} failed tokens from {} within {} s: its actions are refused for {} s",
          r.failures, from.getHostAddress(), WINDOW.toSeconds(), LOCKOUT.toSeconds());
    }
  }

  /** The counters of {@code registry}, registered once however many admin servers share it. */
  private static Counter[] register(PrometheusRegistry registry) {
    return new Counter[] {
        Counter.builder().name("lb_admin_token_failures_total")
            .help("Admin actions refused for a missing or wrong token").register(registry),
        Counter.builder().name("lb_admin_lockouts_total")
            .help("Client addresses locked out of admin actions after repeated token failures")
            .register(registry)};
  }

  private void log(String format, Object... args) {
    long now = ticker.nanos();
    if (now - logMinuteStart >= MINUTE_NANOS) {
      logMinuteStart = now;
      logLines = 0;
    }
    if (logLines >= LOG_LINES_PER_MINUTE) {
      suppressed.incrementAndGet();
      return;
    }
    logLines++;
    long left = suppressed.getAndSet(0);
    if (left > 0) {
      LOG.warn("admin: {} lines about failed tokens were left out in the last minute", left);
    }
    LOG.warn(format, args);
  }

  /** One address's failures; guarded by the guard's monitor. */
  private static final class Record {
    final long windowStart;
    int failures;
    long lockedUntil;

    Record(long windowStart) {
      this.windowStart = windowStart;
    }
  }
}
