package io.ballast.proxy.discovery;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one DNS backend entry, for metrics and the admin view.
 *
 * <p>Written on the discovery's event loop only; read from any thread without a lock (adders and
 * volatile fields: a reader may see one lookup's fields from two neighbouring moments).
 */
public final class DnsCounters {
  private final LongAdder lookups = new LongAdder();
  private final LongAdder[] failures = new LongAdder[DnsFailure.values().length];
  private volatile long lastSuccessMillis;
  private volatile int members;
  private volatile long ttlSeconds = -1;
  private volatile long nextRefreshMillis;
  private volatile DnsFailure failing;

  DnsCounters() {
    for (int i = 0; i < failures.length; i++) {
      failures[i] = new LongAdder();
    }
  }

  /** Lookups finished, successful or not (an SRV lookup with its target lookups counts once). */
  public long lookups() {
    return lookups.sum();
  }

  /** Failed lookups of one reason. */
  public long failures(DnsFailure reason) {
    return failures[reason.ordinal()].sum();
  }

  /** Failed lookups of every reason. */
  public long failures() {
    long n = 0;
    for (LongAdder a : failures) {
      n += a.sum();
    }
    return n;
  }

  /** When a lookup last found members (whether or not they changed); empty if none ever did. */
  public Optional<Instant> lastSuccess() {
    long t = lastSuccessMillis;
    return t == 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(t));
  }

  /** The members in use now: those of the last successful lookup. */
  public int members() {
    return members;
  }

  /** The TTL of the last successful lookup in seconds; -1 before the first. */
  public long ttlSeconds() {
    return ttlSeconds;
  }

  /** When the next lookup is due; empty before the first was scheduled. */
  public Optional<Instant> nextRefresh() {
    long t = nextRefreshMillis;
    return t == 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(t));
  }

  /** The reason of the failures in a row now; empty while lookups succeed. */
  public Optional<DnsFailure> failing() {
    return Optional.ofNullable(failing);
  }

  void succeeded(long nowMillis, int memberCount, long ttl) {
    lookups.increment();
    lastSuccessMillis = nowMillis;
    members = memberCount;
    ttlSeconds = ttl;
    failing = null;
  }

  void failed(DnsFailure reason) {
    lookups.increment();
    failures[reason.ordinal()].increment();
    failing = reason;
  }

  void scheduled(long atMillis) {
    nextRefreshMillis = atMillis;
  }

  @Override
  public String toString() {
    return "lookups " + lookups() + ", failures " + failures() + ", members " + members
        + (failing != null ? ", failing (" + failing.label() + ")" : "");
  }
}
