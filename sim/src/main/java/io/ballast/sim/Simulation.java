package io.ballast.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs a scenario: each variant on its own {@link SimPool} (the oracle on an
 * {@link OraclePool}) and virtual clock, one after the other, on the calling thread. Deterministic: the same scenario (seed included) gives the same
 * {@link SimResult}, table for table.
 *
 * <pre>{@code
 * Scenario s = ScenarioReader.read(Path.of("examples/scenarios/heterogeneous.yaml"));
 * SimResult r = Simulation.run(s);
 * System.out.print(r.table());
 * }</pre>
 */
public final class Simulation {
  private Simulation() {}

  /** Runs every variant with the default features and no progress report. */
  public static SimResult run(Scenario scenario) {
    return run(scenario, FeatureRegistry.defaults(), ProgressListener.NONE);
  }

  /** Runs every variant; features named by a variant come from {@code features}. */
  public static SimResult run(Scenario scenario, FeatureRegistry features,
      ProgressListener progress) {
    Objects.requireNonNull(scenario, "scenario");
    Objects.requireNonNull(features, "features");
    Objects.requireNonNull(progress, "progress");
    long wallStart = System.nanoTime();
    List<VariantResult> results = new ArrayList<>();
    long requests = 0;
    int n = scenario.variants().size();
    for (int i = 0; i < n; i++) {
      VariantSpec v = scenario.variants().get(i);
      int index = i;
      if (v.oracle()) {
        OraclePool oracle = new OraclePool(scenario, v);
        results.add(oracle.run(fraction -> progress.onProgress(index, n, v.name(), fraction)));
        requests += oracle.arrived();
        continue;
      }
      SimPool pool = new SimPool(scenario, v);
      for (Map.Entry<String, Map<String, Object>> f : v.features().entrySet()) {
        VariantFeature feature = features.get(f.getKey()).orElseThrow(() ->
            new IllegalArgumentException("variants." + v.name() + "." + f.getKey()
                + ": unknown feature (expected one of: " + String.join(", ", features.keys())
                + ")"));
        feature.attach(pool, f.getValue());
      }
      results.add(pool.run(fraction -> progress.onProgress(index, n, v.name(), fraction)));
      requests += pool.arrived();
    }
    return new SimResult(scenario, results, requests, System.nanoTime() - wallStart);
  }
}
