package io.ballast.server.config;

import io.ballast.core.health.HealthLevel;
import java.util.Objects;

/**
 * One level of a pool's active health checks. Immutable.
 *
 * @param name unique among the pool's levels ("l4", "app", "deep")
 * @param weight how much the level counts in the passing share, 1..1000
 * @param critical whether this level failing alone takes a backend out
 * @param check how the level probes, and its interval, timeout, rise and fall
 */
public record HealthLevelConfig(String name, int weight, boolean critical, HealthCheckConfig check) {
  public static final int DEFAULT_WEIGHT = 1;

  public HealthLevelConfig {
    Objects.requireNonNull(name, "name");
    Checks.range("weight", weight, 1, HealthLevel.MAX_WEIGHT);
    Objects.requireNonNull(check, "check");
  }

  /** The level as core's verdict sees it. */
  public HealthLevel toLevel() {
    return new HealthLevel(name, weight, critical, check.rise(), check.fall());
  }
}
