package io.ballast.sim;

import io.ballast.core.pick.Algorithm;
import io.ballast.core.pick.AlgorithmOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One thing the scenario compares: the oracle ({@link #oracle()}: no algorithm; the reference
 * the others are measured against, see {@link OracleDispatcher}), or an algorithm with its tunables, optional configured weights
 * that replace the backends' own for this variant ({@code weights}, by backend name), and the
 * features switched on for it ({@code outlier_detection}, {@code circuit_breaker}, {@code weight_control}, ...: keys of
 * a {@link FeatureRegistry}, each with its settings as plain values: maps, lists, strings,
 * numbers, booleans). Immutable.
 */
public record VariantSpec(String name, Algorithm algorithm, AlgorithmOptions options,
    Map<String, Integer> weights, Map<String, Map<String, Object>> features) {
  /** The oracle's name in scenario files: {@code algorithm: oracle}, and its default name. */
  public static final String ORACLE = "oracle";

  /**
   * {@code algorithm} is null for the oracle only, which takes no tunables, weights or features
   * (it is told the truth and has nothing to tune).
   */
  public VariantSpec {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name: blank (expected: a non-empty name)");
    }
    Objects.requireNonNull(options, "options");
    if (algorithm == null && !(options.equals(AlgorithmOptions.DEFAULTS) && weights.isEmpty()
        && features.isEmpty())) {
      throw new IllegalArgumentException("variants." + name + ": the oracle takes no options, "
          + "weights or features (expected: only a name)");
    }
    weights = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    for (Map.Entry<String, Integer> w : weights.entrySet()) {
      if (w.getValue() < 1 || w.getValue() > io.ballast.core.Backend.MAX_WEIGHT) {
        throw new IllegalArgumentException("weights." + w.getKey() + ": " + w.getValue()
            + " (expected: 1.." + io.ballast.core.Backend.MAX_WEIGHT + ")");
      }
    }
    // Keeps the scenario's order: features attach in it, so a run is reproducible.
    features = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(features));
  }

  /** The oracle, named {@code name}. */
  public static VariantSpec oracle(String name) {
    return new VariantSpec(name, null, AlgorithmOptions.DEFAULTS, Map.of(), Map.of());
  }

  /** Whether this is the oracle, not a core algorithm. */
  public boolean oracle() {
    return algorithm == null;
  }

  /** The algorithm with default tunables and no features, named after it. */
  public static VariantSpec of(Algorithm algorithm) {
    Objects.requireNonNull(algorithm, "algorithm");
    return new VariantSpec(algorithm.configName(), algorithm, AlgorithmOptions.DEFAULTS, Map.of(),
        Map.of());
  }

  /** The same variant with one more feature. */
  public VariantSpec with(String feature, Map<String, Object> settings) {
    Map<String, Map<String, Object>> next = new LinkedHashMap<>(features);
    next.put(feature, settings);
    return new VariantSpec(name, algorithm, options, weights, next);
  }
}
