package io.ballast.sim;

import io.ballast.core.decision.DecisionLog;
import io.ballast.core.optimizer.PoolOptimizer;
import io.ballast.core.optimizer.WeightControlSettings;
import io.ballast.core.optimizer.WeightControlSettings.Objective;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code weight_control}: core's {@link PoolOptimizer} (the weight controller) on the variant's
 * pool, as the server wires it: it ticks on the virtual scheduler, reads each modelled backend's
 * {@code cpu} reports and its traffic, and sets effective weights that the charts show.
 *
 * <p>Settings (all optional, core's defaults otherwise): {@code interval}, {@code objective}
 * ({@code utilization} or {@code latency}), {@code max_step} (percent points),
 * {@code floor} and {@code ceiling} (percent), {@code min_requests}. Stateless.
 */
public final class WeightControlFeature implements VariantFeature {
  public static final String KEY = "weight_control";
  private static final Set<String> KNOWN =
      Set.of("interval", "objective", "max_step", "floor", "ceiling", "min_requests");

  @Override
  public void validate(Map<String, Object> settings) {
    settings(settings);
  }

  static WeightControlSettings settings(Map<String, Object> raw) {
    FeatureSettings s = new FeatureSettings(raw, KNOWN);
    WeightControlSettings d = WeightControlSettings.DEFAULTS;
    Object objective = raw.getOrDefault("objective", "utilization");
    Objective o = switch (String.valueOf(objective).toLowerCase(Locale.ROOT)) {
      case "utilization" -> Objective.UTILIZATION;
      case "latency" -> Objective.LATENCY;
      default -> throw new IllegalArgumentException(
          "objective: '" + objective + "' (expected: utilization or latency)");
    };
    return d.toBuilder()
        .interval(s.duration("interval", d.interval()))
        .objective(o)
        .maxStepPercent(s.integer("max_step", d.maxStepPercent()))
        .bounds(s.integer("floor", d.floorPercent()), s.integer("ceiling", d.ceilingPercent()))
        .minRequests(s.integer("min_requests", (int) d.minRequests()))
        .build();
  }

  @Override
  public void attach(SimPool pool, Map<String, Object> raw) {
    PoolOptimizer optimizer =
        new PoolOptimizer(pool.loadBalancer(), settings(raw), new DecisionLog());
    pool.addListener(optimizer);
    optimizer.start(pool.scheduler());
    pool.onClose(optimizer::stop);
  }
}
