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
  /** The active-check state; replaced when the pool's health policy changes. */
  BackendHealth checks;
  /**
   * When the backend came back, for slow start; {@link EffectiveWeights#NOT_RAMPING} otherwise.
   */
  long rampStartNanos = EffectiveWeights.NOT_RAMPING;
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
      passingPercent = passingPercentNow();
    }
    awaitingFirstCheck = checks.awaitingFirstCheck();
    publishLevels();
  }

  /** Health and the operator let the backend serve, whatever outlier detection says. */
  boolean inService() {
    return PanicPolicy.inService(health, admin);
  }

  /** The backend takes new requests outside panic (a backend draining out of the pool never). */
  boolean available() {
    return PanicPolicy.available(health, admin, ejected, circuitOpen) && !removing;
  }

  /** What the panic rule reads of it. */
  PanicPolicy.Standing standing() {
    return new PanicPolicy.Standing(health, admin, ejected, circuitOpen);
  }

  /** What its effective weight reads of it, {@code weight} being its configured weight. */
  EffectiveWeights.Input weighing(int weight, boolean available) {
    return new EffectiveWeights.Input(weight, weightPercent, available,
        health == HealthState.DEGRADED, passingPercent, rampStartNanos);
  }

  /**
   * A check result of level {@code level} arrived at {@code nowNanos}: it goes into the check
   * state and both histories (with several levels, the overall one names the level). Returns the
   * checks' verdict, for {@link #settle}.
   */
  HealthState onCheck(int level, boolean passed, String detail, long nowNanos) {
    HealthState verdict = checks.onResult(level, passed);
    List<HealthLevel> defs = checks.policy().levels();
    history = appended(history, new CheckRecord(nowNanos, passed,
        defs.size() == 1 ? detail : defs.get(level).name() + ": " + detail));
    levelHistory.set(level,
        appended(levelHistory.get(level), new CheckRecord(nowNanos, passed, detail)));
    return verdict;
  }

  /**
   * Takes the checks' verdict as the backend's health, and refreshes the per-level view and the
   * passing share. The agent's "down" overrides every check until the agent itself says
   * otherwise. Returns the health it has now.
   */
  HealthState settle(HealthState verdict) {
    HealthState next = agentDown ? HealthState.UNHEALTHY : verdict;
    publishLevels();
    passingPercent = passingPercentNow();
    health = next;
    return next;
  }

  private int passingPercentNow() {
    return (int) Math.round(100 * checks.passingShare());
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
