package io.ballast.core.signal;

import java.util.Objects;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The latest report from each signal source of one backend, and whether the source has gone
 * stale (down, slow or answering garbage).
 *
 * <p>Thread-safe and non-blocking: sources (an event loop parsing a response header, a poller)
 * write; the control loop and the admin listener read. Nothing here blocks or decides: the weight
 * controller reads the fresh figures on its ticks and falls back to traffic-derived signals when
 * there are none.
 */
public final class BackendSignals {
  private final AtomicReferenceArray<LoadReport> latest =
      new AtomicReferenceArray<>(SignalSource.values().length);
  private final AtomicReferenceArray<String> stale =
      new AtomicReferenceArray<>(SignalSource.values().length);

  /** A source delivered a report: it is the latest of its source and the source is fresh. */
  public void report(LoadReport report) {
    int i = report.source().ordinal();
    latest.set(i, report);
    stale.set(i, null);
  }

  /**
   * The source failed to deliver (unreachable, timed out, unparsable): its last report is no
   * longer used. Returns true when this changed the source's state or reason, so that the caller
   * logs once per change rather than once per failure.
   */
  public boolean markStale(SignalSource source, String reason) {
    Objects.requireNonNull(reason, "reason");
    String before = stale.getAndSet(source.ordinal(), reason);
    return !reason.equals(before);
  }

  /** The source's latest report, stale or not; null before the first. */
  public LoadReport latest(SignalSource source) {
    return latest.get(source.ordinal());
  }

  /** Why the source is stale, or null while it delivers. */
  public String staleReason(SignalSource source) {
    return stale.get(source.ordinal());
  }

  /**
   * The freshest value of the named figure over the sources that are not stale and whose report
   * is at most {@code maxAgeNanos} old at {@code nowNanos}; empty when none has it.
   */
  public OptionalDouble figure(String name, long nowNanos, long maxAgeNanos) {
    LoadReport best = null;
    for (SignalSource s : SignalSource.values()) {
      LoadReport r = latest.get(s.ordinal());
      if (r == null || stale.get(s.ordinal()) != null || nowNanos - r.atNanos() > maxAgeNanos
          || !r.figures().containsKey(name)) {
        continue;
      }
      if (best == null || r.atNanos() > best.atNanos()) {
        best = r;
      }
    }
    return best == null ? OptionalDouble.empty() : best.figure(name);
  }

  /**
   * The weight percentage the freshest non-stale report asks for, or -1 when none names one
   * (only agents do).
   */
  public int weightPercent(long nowNanos, long maxAgeNanos) {
    LoadReport best = null;
    for (SignalSource s : SignalSource.values()) {
      LoadReport r = latest.get(s.ordinal());
      if (r == null || stale.get(s.ordinal()) != null || nowNanos - r.atNanos() > maxAgeNanos
          || r.weightPercent() < 0) {
        continue;
      }
      if (best == null || r.atNanos() > best.atNanos()) {
        best = r;
      }
    }
    return best == null ? -1 : best.weightPercent();
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("signals[");
    for (SignalSource s : SignalSource.values()) {
      LoadReport r = latest(s);
      if (r != null) {
        sb.append(s).append('=').append(r.figures())
            .append(staleReason(s) == null ? "" : " (stale: " + staleReason(s) + ")").append(' ');
      }
    }
    return sb.append(']').toString();
  }
}
