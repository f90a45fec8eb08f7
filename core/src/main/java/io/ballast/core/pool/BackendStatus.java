package io.ballast.core.pool;

import io.ballast.core.AdminState;
import io.ballast.core.HealthState;
import io.ballast.core.health.BackendHealth;
import io.ballast.core.health.CheckRecord;
import io.ballast.core.health.HealthLevel;
import io.ballast.core.health.LevelStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * What a pool knows of one of its backends: health, operator state, ejection, circuit, weight
 * percentage, slow start, check history, and whether it is leaving the pool.
 *
 * <p>Written on the control loop only; the volatile fields are read anywhere (the pool's status
 * readers, metrics, the admin listener).
 */
final class BackendStatus {
  /** {@link #rampStartNanos} when the backend is not ramping up. */
  static final long NOT_RAMPING = Long.MIN_VALUE;

  /** The active-check state; replaced when the pool's health policy changes. */
  BackendHealth checks;
  /** When the backend came back, for slow start; {@link #NOT_RAMPING} otherwise. */
  long rampStartNanos = NOT_RAMPING;
  volatile HealthState health;
  volatile AdminState admin = AdminState.ACTIVE;
  volatile boolean ejected;
  volatile boolean circuitOpen;
  /** The backend's agent holds it down. */
  volatile boolean agentDown;
  /** Immutable, replaced on each check, read by the admin listener. */
  volatile List<CheckRecord> history = List.of();
  /** Effective weight in percent of the configured one. */
  volatile int weightPercent = 100;
  /** Share of check weight up, percent. */
  volatile int passingPercent;
  /** Per level, immutable, replaced after each result. */
  volatile List<LevelStatus> levels;
  /** Some check level has had no result since the backend joined a running pool. */
  volatile boolean awaitingFirstCheck;
  /** The backend left the pool's members and drains; the pool forgets it once drained. */
  volatile boolean removing;
  /** When it started to drain out, on the pool's clock. */
  long drainStartNanos;
  private final List<List<CheckRecord>> levelHistory = new ArrayList<>();

  BackendStatus(BackendHealth checks) {
    useChecks(checks);
  }

  /**
   * Takes {@code checks} as the backend's check state: a new backend's, or a fresh one for a new
   * policy. The per-level history starts over (the levels may differ); the overall history stays.
   */
  void useChecks(BackendHealth checks) {
    this.checks = checks;
    levelHistory.clear();
    for (int i = 0; i < checks.policy().levels().size(); i++) {
      levelHistory.add(List.of());
    }
    if (health == null) {
      health = checks.state();
      passingPercent = (int) Math.round(100 * checks.passingShare());
    }
    awaitingFirstCheck = checks.awaitingFirstCheck();
    publishLevels();
  }

  void record(CheckRecord r) {
    history = appended(history, r);
  }

  void recordLevel(int level, CheckRecord r) {
    levelHistory.set(level, appended(levelHistory.get(level), r));
  }

  private static List<CheckRecord> appended(List<CheckRecord> h, CheckRecord r) {
    int max = LoadBalancer.CHECK_HISTORY;
    List<CheckRecord> next = new ArrayList<>(Math.min(h.size() + 1, max));
    next.addAll(h.size() < max ? h : h.subList(1, h.size()));
    next.add(r);
    return List.copyOf(next);
  }

  void publishLevels() {
    List<HealthLevel> defs = checks.policy().levels();
    List<LevelStatus> next = new ArrayList<>(defs.size());
    for (int i = 0; i < defs.size(); i++) {
      HealthLevel l = defs.get(i);
      next.add(new LevelStatus(l.name(), l.weight(), l.critical(), checks.up(i),
          checks.levelState(i), levelHistory.get(i)));
    }
    levels = List.copyOf(next);
    awaitingFirstCheck = checks.awaitingFirstCheck();
  }
}
