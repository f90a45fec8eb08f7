package io.ballast.core.health;

import io.ballast.core.HealthState;
import java.util.Objects;

/**
 * The active-check state of one backend: one rise/fall {@link HealthTracker} per level of its
 * {@link HealthPolicy}, and the verdict that combines them.
 *
 * <p>Control loop only (not thread-safe). Starts with every level up and the backend
 * {@link HealthState#HEALTHY}, so a pool serves at once and a dead backend is found by its
 * checks or its first refused connection.
 */
public final class BackendHealth {
  private final HealthPolicy policy;
  private final HealthTracker[] trackers;
  private HealthState state = HealthState.HEALTHY;

  public BackendHealth(HealthPolicy policy) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.trackers = new HealthTracker[policy.levels().size()];
    for (int i = 0; i < trackers.length; i++) {
      HealthLevel l = policy.levels().get(i);
      trackers[i] = new HealthTracker(l.rise(), l.fall());
    }
  }

  public HealthPolicy policy() {
    return policy;
  }

  /** The verdict as last decided. */
  public HealthState state() {
    return state;
  }

  /** True when the level is up after rise/fall damping. */
  public boolean up(int level) {
    return trackers[level].state().serving();
  }

  /**
   * The level in words, for operators: "up", "up, failing 1/3" (counting towards its fall),
   * "down", "down, rising 1/2" (counting towards its rise).
   */
  public String levelState(int level) {
    HealthTracker t = trackers[level];
    HealthLevel l = policy.levels().get(level);
    if (t.state().serving()) {
      return t.failures() == 0 ? "up" : "up, failing " + t.failures() + "/" + l.fall();
    }
    return t.successes() == 0 ? "down" : "down, rising " + t.successes() + "/" + l.rise();
  }

  /** Sum of the weights of the levels that are up. */
  public int passingWeight() {
    return policy.passingWeight(upFlags());
  }

  /**
   * The share of level weight that is up, in [0, 1]: a DEGRADED backend's effective weight is
   * scaled by it.
   */
  public double passingShare() {
    return passingWeight() / (double) policy.totalWeight();
  }

  /** Records one result of {@code level}; returns the verdict after it. */
  public HealthState onResult(int level, boolean passed) {
    if (level < 0 || level >= trackers.length) {
      throw new IllegalArgumentException(
          "level: " + level + " (expected: 0.." + (trackers.length - 1) + ")");
    }
    if (passed) {
      trackers[level].onSuccess();
    } else {
      trackers[level].onFailure();
    }
    return judge();
  }

  /** Takes every level down at once (a refused connection): each must rise again. */
  public HealthState forceDown() {
    for (HealthTracker t : trackers) {
      t.forceDown();
    }
    return judge();
  }

  /** Brings every level up at once (passive mode: only traffic can tell, so let it try). */
  public HealthState readmit() {
    for (HealthTracker t : trackers) {
      while (!t.state().serving()) {
        t.onSuccess();
      }
    }
    return judge();
  }

  /**
   * Why the last result of {@code level} gave the current verdict, for the state-change log.
   * One level: "check failed: status 503 (UNHEALTHY (rise 0/2, fall 2/2))". Several: "level deep
   * failing (body did not contain 'ok'), down; 3 of 4 check weight up (75%)".
   */
  public String reason(int level, boolean passed, String detail) {
    if (trackers.length == 1) {
      return (passed ? "check passed: " : "check failed: ") + detail + " (" + trackers[0] + ")";
    }
    return "level " + policy.levels().get(level).name() + (passed ? " passing (" : " failing (")
        + detail + "), " + levelState(level) + "; " + weightSummary();
  }

  /** "3 of 4 check weight up (75%)". */
  public String weightSummary() {
    int passing = passingWeight();
    int total = policy.totalWeight();
    return passing + " of " + total + " check weight up (" + Math.round(100.0 * passing / total)
        + "%)";
  }

  private HealthState judge() {
    boolean[] up = upFlags();
    boolean[] rising = new boolean[trackers.length];
    for (int i = 0; i < trackers.length; i++) {
      rising[i] = !up[i] && trackers[i].successes() > 0;
    }
    state = policy.judge(up, rising, state.serving());
    return state;
  }

  private boolean[] upFlags() {
    boolean[] up = new boolean[trackers.length];
    for (int i = 0; i < trackers.length; i++) {
      up[i] = trackers[i].state().serving();
    }
    return up;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(state.toString()).append(" [");
    for (int i = 0; i < trackers.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(policy.levels().get(i).name()).append(": ")
          .append(levelState(i));
    }
    return sb.append("]").toString();
  }
}
