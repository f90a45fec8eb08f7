package io.ballast.core.decision;

import java.util.Objects;

/**
 * One decision of a pool's control side, with its reason in numbers. Immutable.
 *
 * <p>{@link #message()} reads as one line: {@code "b2 weight 100 → 62: p99 240 ms vs pool 80 ms,
 * cpu 0.91"}, or for the pool as a whole {@code "pool api scaling normal → up: utilization 0.86
 * for 5m, add about 2 backends"}.
 *
 * @param atNanos when, on the pool's ticker
 * @param pool the pool's name
 * @param backend the backend's name, or null for a decision about the whole pool
 * @param kind what changed
 * @param from the value before ("100", "HEALTHY"), or null when there is none
 * @param to the value after ("62", "DOWN"), or null when there is none
 * @param reason why, in numbers
 */
public record Decision(long atNanos, String pool, String backend, Kind kind, String from,
    String to, String reason) {

  /** What a decision changed. */
  public enum Kind {
    /** The weight controller moved an effective weight (or held it, and says why). */
    WEIGHT,
    /** Warm-up by feedback started, grew, paused, backed off or ended. */
    WARMUP,
    /** Outlier detection took a backend out. */
    EJECTION,
    /** An ejected backend came back. */
    RETURN,
    /** A health state change. */
    HEALTH,
    /** A circuit breaker opened, half-opened or closed. */
    CIRCUIT,
    /** The pool entered or left panic mode. */
    PANIC,
    /** A scaling signal was raised or cleared. */
    SCALING,
    /** A signal source went stale or came back. */
    SIGNAL,
    /** The share of a backend's sticky sessions moved elsewhere rose or fell (rebalancing). */
    AFFINITY,
    /** A client zone's spill plan changed: traffic spills to other zones, fails over or back. */
    ZONE,
    /** A configuration reload changed what runs (pool {@code *}: not one pool's decision). */
    CONFIG,
    /**
     * A backend joined or left the pool, or its weight or zone changed (a reload, the admin
     * API, discovery).
     */
    MEMBERSHIP,
    /** Adaptive load shedding moved the pool's concurrency limit. */
    CONCURRENCY_LIMIT;

    /** The lower-case word used in messages and JSON. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public Decision {
    Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(reason, "reason");
  }

  /** The decision as one line of text. */
  public String message() {
    StringBuilder sb = new StringBuilder();
    sb.append(backend != null ? backend : "pool " + pool).append(' ').append(kind.label());
    if (from != null || to != null) {
      sb.append(' ').append(from == null ? "-" : from).append(" → ").append(to == null ? "-" : to);
    }
    return sb.append(": ").append(reason).toString();
  }

  @Override
  public String toString() {
    return message();
  }
}
