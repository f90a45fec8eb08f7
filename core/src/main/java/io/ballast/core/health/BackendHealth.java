package io.ballast.core.health;

import io.ballast.core.HealthState;
import java.util.Objects;

/**
 * The active-check state of one backend: one rise/fall {@link HealthTracker} per level of its
 * {@link HealthPolicy}, and the verdict that combines them.
 *
 * <p>Control loop only (not thread-safe). Starts with every level up and the backend
 * {@link HealthState#HEALTHY}, so a pool serves at once and a dead backend is found by its
 * checks or its first refused connection. Two other starts: a backend that joins a running pool
 * waits for its first check ({@link #awaitingFirstCheck}), and a pool whose policy changes gives
 * each backend fresh trackers that start where it is ({@link #startingFrom}).
 */
public final class BackendHealth {
  private final HealthPolicy policy;
  private final HealthTracker[] trackers;
  private HealthState state = HealthState.HEALTHY;
  /** Levels without a result yet, while a backend that joined waits for its first check. */
  private final boolean[] untested;
  /** The last result was the first of its level (for the reason). */
  private boolean first;

  public BackendHealth(HealthPolicy policy) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.trackers = new HealthTracker[policy.levels().size()];
    for (int i = 0; i < trackers.length; i++) {
      HealthLevel l = policy.levels().get(i);
      trackers[i] = new HealthTracker(l.rise(), l.fall());
    }
    this.untested = new boolean[trackers.length];
  }

  /**
   * A backend that joins a running pool with active checks: every level is down until its first
   * result, and that first result decides at once whatever {@code rise} is: a pass brings the
   * level up, a fail keeps it down (it then rises as usual). Envoy treats a new host the same way
   * (no traffic before its first check; the first pass is enough), so a new member is neither
   * sent traffic blind nor kept out for {@code rise} intervals. With several levels each one's
   * first result decides for that level, and the policy combines them as always.
   */
  public static BackendHealth awaitingFirstCheck(HealthPolicy policy) {
    BackendHealth h = new BackendHealth(policy);
    java.util.Arrays.fill(h.untested, true);
    h.forceDown();
    return h;
  }

  /**
   * Fresh trackers for a new policy that start where the backend is: every level up when it
   * serves now (a healthy backend stays healthy until the new checks say otherwise), every level
   * down when it does not (it must rise under the new policy).
   */
  public static BackendHealth startingFrom(HealthPolicy policy, HealthState current) {
    BackendHealth h = new BackendHealth(policy);
    if (!current.serving()) {
      h.forceDown();
    }
    return h;
  }

  /** True while some level has had no result since the backend joined the pool. */
  public boolean awaitingFirstCheck() {
    for (boolean u : untested) {
      if (u) {
        return true;
      }
    }
    return false;
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
    if (untested[level]) {
      return "down, awaiting its first check";
    }
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
    first = untested[level];
    untested[level] = false;
    if (passed && first) {
      while (!trackers[level].state().serving()) {
        trackers[level].onSuccess();
      }
    } else if (passed) {
      trackers[level].onSuccess();
    } else {
      trackers[level].onFailure();
    }
    return judge();
  }

  /** Takes every level down at once (a refused connection): each must rise again. */
  public HealthState forceDown() {
    first = false;
    for (HealthTracker t : trackers) {
      t.forceDown();
    }
    return judge();
  }

  /** Brings every level up at once (passive mode: only traffic can tell, so let it try). */
  public HealthState readmit() {
    first = false;
    java.util.Arrays.fill(untested, false);
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
    String prefix = first ? "first check of a new backend: " : "";
    if (trackers.length == 1) {
      return prefix + (passed ? "check passed: " : "check failed: ") + detail + " ("
          + trackers[0] + ")";
    }
    return prefix + "level " + policy.levels().get(level).name()
        + (passed ? " passing (" : " failing (") + detail + "), " + levelState(level) + "; "
        + weightSummary();
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
