package io.ballast.server.config;

import io.ballast.core.health.HealthPolicy;
import java.util.List;
import java.util.Objects;

/**
 * A pool's active health checks: one or more levels and how they combine into a backend's
 * verdict (see {@link HealthPolicy}). The single {@code health_check:} form is one critical level
 * named {@value HealthPolicy#SINGLE_LEVEL}. Immutable.
 *
 * @param levels at least one, unique names
 * @param degradedBelow percent of check weight passing below which a backend is DEGRADED
 * @param unhealthyBelow percent below which it is UNHEALTHY, <= degradedBelow
 */
public record HealthChecksConfig(List<HealthLevelConfig> levels, int degradedBelow,
    int unhealthyBelow) {
  public HealthChecksConfig {
    levels = List.copyOf(Objects.requireNonNull(levels, "levels"));
    // The policy checks sizes, names and thresholds: one place for those rules.
    policy(levels, degradedBelow, unhealthyBelow);
  }

  /** The single {@code health_check:} form. */
  public static HealthChecksConfig single(HealthCheckConfig check) {
    return new HealthChecksConfig(List.of(new HealthLevelConfig(HealthPolicy.SINGLE_LEVEL, 1, true,
        check)), HealthPolicy.DEFAULT_DEGRADED_BELOW, HealthPolicy.DEFAULT_UNHEALTHY_BELOW);
  }

  /** True for the single {@code health_check:} form (one level). */
  public boolean single() {
    return levels.size() == 1;
  }

  /** The verdict's rules for core. */
  public HealthPolicy policy() {
    return policy(levels, degradedBelow, unhealthyBelow);
  }

  private static HealthPolicy policy(List<HealthLevelConfig> levels, int degraded, int unhealthy) {
    return new HealthPolicy(levels.stream().map(HealthLevelConfig::toLevel).toList(), degraded,
        unhealthy);
  }
}
