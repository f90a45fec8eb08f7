package io.ballast.sim;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The {@link VariantFeature}s a scenario's variants may switch on, by key. Immutable: {@link #with}
 * returns a new registry, so a caller adds its own feature (the weight controller, say) without
 * touching anyone else's.
 *
 * <pre>{@code
 * FeatureRegistry features = FeatureRegistry.defaults().with("weight_control", new MyFeature());
 * Scenario s = ScenarioReader.read(path, features);
 * SimResult r = Simulation.run(s, features, ProgressListener.NONE);
 * }</pre>
 */
public final class FeatureRegistry {
  private final Map<String, VariantFeature> features;

  private FeatureRegistry(Map<String, VariantFeature> features) {
    this.features = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(features));
  }

  /** Outlier detection, circuit breakers, the weight controller and load shedding. */
  public static FeatureRegistry defaults() {
    Map<String, VariantFeature> m = new LinkedHashMap<>();
    m.put(OutlierDetectionFeature.KEY, new OutlierDetectionFeature());
    m.put(CircuitBreakerFeature.KEY, new CircuitBreakerFeature());
    m.put(WeightControlFeature.KEY, new WeightControlFeature());
    m.put(SheddingFeature.KEY, new SheddingFeature());
    return new FeatureRegistry(m);
  }

  /** A registry with {@code feature} under {@code key} too (replacing any under that key). */
  public FeatureRegistry with(String key, VariantFeature feature) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(feature, "feature");
    Map<String, VariantFeature> m = new LinkedHashMap<>(features);
    m.put(key, feature);
    return new FeatureRegistry(m);
  }

  public Optional<VariantFeature> get(String key) {
    return Optional.ofNullable(features.get(key));
  }

  public Set<String> keys() {
    return features.keySet();
  }

  @Override
  public String toString() {
    return "features " + features.keySet();
  }
}
