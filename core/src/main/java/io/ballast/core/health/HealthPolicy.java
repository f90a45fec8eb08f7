package io.ballast.core.health;

import io.ballast.core.HealthState;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How the levels of a backend's active checks combine into one verdict. Each level is up or down
 * after its own rise/fall damping; then, by the share of level weight that is up:
 *
 * <ol>
 *   <li>every level up: {@link HealthState#HEALTHY};
 *   <li>a critical level down, or the share below {@code unhealthyBelowPercent}:
 *       {@link HealthState#UNHEALTHY} (out of rotation);
 *   <li>the share below {@code degradedBelowPercent}: {@link HealthState#DEGRADED} (still in
 *       rotation, at a weight scaled by the share);
 *   <li>otherwise {@link HealthState#HEALTHY}.
 * </ol>
 *
 * <p>A backend out of rotation shows {@link HealthState#RECOVERING} instead of UNHEALTHY while
 * the levels that pass again would, once they finish rising, make it serve again.
 *
 * <p>Worked example: levels l4 (weight 1, critical), app (weight 2), deep (weight 1), thresholds
 * 100% and 50%. deep down: 3 of 4 up, 75%, DEGRADED at 3/4 of its weight. app down: 2 of 4, 50%,
 * not below 50%, so DEGRADED at half its weight. app and deep down: 25%, UNHEALTHY. l4 down:
 * UNHEALTHY whatever the rest says.
 *
 * <p>Immutable; {@link #judge} is pure.
 *
 * @param levels at least one, at most {@value #MAX_LEVELS}, unique names
 * @param degradedBelowPercent passing share below which a backend is DEGRADED, 0..100
 * @param unhealthyBelowPercent passing share below which it is UNHEALTHY, 0..degradedBelowPercent;
 *     0 needs a critical level, or a backend failing every check would keep serving
 */
public record HealthPolicy(
    List<HealthLevel> levels, int degradedBelowPercent, int unhealthyBelowPercent) {
  public static final int MAX_LEVELS = 16;
  public static final int DEFAULT_DEGRADED_BELOW = 100;
  public static final int DEFAULT_UNHEALTHY_BELOW = 50;
  /** The name of the one level of {@link #single}. */
  public static final String SINGLE_LEVEL = "check";

  public HealthPolicy {
    levels = List.copyOf(Objects.requireNonNull(levels, "levels"));
    if (levels.isEmpty() || levels.size() > MAX_LEVELS) {
      throw new IllegalArgumentException(
          "levels: " + levels.size() + " (expected: 1.." + MAX_LEVELS + ")");
    }
    Set<String> names = new HashSet<>();
    boolean critical = false;
    for (HealthLevel l : levels) {
      if (!names.add(l.name())) {
        throw new IllegalArgumentException(
            "levels: '" + l.name() + "' listed twice (expected: unique level names)");
      }
      critical |= l.critical();
    }
    if (degradedBelowPercent < 0 || degradedBelowPercent > 100) {
      throw new IllegalArgumentException(
          "degradedBelowPercent: " + degradedBelowPercent + " (expected: 0..100)");
    }
    if (unhealthyBelowPercent < 0 || unhealthyBelowPercent > degradedBelowPercent) {
      throw new IllegalArgumentException("unhealthyBelowPercent: " + unhealthyBelowPercent
          + " (expected: 0..degradedBelowPercent " + degradedBelowPercent + ")");
    }
    if (unhealthyBelowPercent == 0 && !critical) {
      throw new IllegalArgumentException("unhealthyBelowPercent: 0 with no critical level"
          + " (expected: > 0, or a critical level; otherwise a backend failing every check"
          + " keeps serving)");
    }
  }

  /** One critical level with this damping: the verdict is that level's state, as before levels. */
  public static HealthPolicy single(int rise, int fall) {
    return new HealthPolicy(List.of(new HealthLevel(SINGLE_LEVEL, 1, true, rise, fall)),
        DEFAULT_DEGRADED_BELOW, DEFAULT_UNHEALTHY_BELOW);
  }

  /** Sum of every level's weight. */
  public int totalWeight() {
    int total = 0;
    for (HealthLevel l : levels) {
      total += l.weight();
    }
    return total;
  }

  /** Sum of the weights of the levels that are up. */
  public int passingWeight(boolean[] up) {
    checkSize(up);
    int passing = 0;
    for (int i = 0; i < up.length; i++) {
      passing += up[i] ? levels.get(i).weight() : 0;
    }
    return passing;
  }

  /**
   * The verdict for levels {@code up} (after damping) of a backend that was serving or not.
   *
   * @param up per level, in order: up after rise/fall
   * @param rising per level: down, but passing again and climbing towards its rise
   * @param wasServing whether the backend was in rotation before this verdict
   */
  public HealthState judge(boolean[] up, boolean[] rising, boolean wasServing) {
    checkSize(rising);
    HealthState now = evaluate(up);
    if (now.serving() || wasServing) {
      return now;
    }
    boolean[] projected = new boolean[up.length];
    boolean anyRising = false;
    for (int i = 0; i < up.length; i++) {
      projected[i] = up[i] || rising[i];
      anyRising |= rising[i];
    }
    return anyRising && evaluate(projected).serving() ? HealthState.RECOVERING : now;
  }

  private HealthState evaluate(boolean[] up) {
    int total = totalWeight();
    int passing = passingWeight(up);
    if (passing == total) {
      return HealthState.HEALTHY;
    }
    for (int i = 0; i < up.length; i++) {
      if (!up[i] && levels.get(i).critical()) {
        return HealthState.UNHEALTHY;
      }
    }
    // Integers: 2 of 4 passing against 50% is 200 < 200, false: exactly at the threshold is not below.
    if (passing * 100L < (long) unhealthyBelowPercent * total) {
      return HealthState.UNHEALTHY;
    }
    if (passing * 100L < (long) degradedBelowPercent * total) {
      return HealthState.DEGRADED;
    }
    return HealthState.HEALTHY;
  }

  private void checkSize(boolean[] flags) {
    if (flags.length != levels.size()) {
      throw new IllegalArgumentException(
          "flags: " + flags.length + " levels (expected: " + levels.size() + ")");
    }
  }
}
