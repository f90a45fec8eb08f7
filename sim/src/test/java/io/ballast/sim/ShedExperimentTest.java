package io.ballast.sim;

import io.ballast.core.shed.Priority;
import org.junit.jupiter.api.Test;

class ShedExperimentTest {
  @Test
  void run() {
    String algo = System.getProperty("algo", "least-request");
    boolean big = Boolean.getBoolean("big");
    String be = big ? "{name: %s, slots: 8, queue: 1000, service: {distribution: lognormal, mean: 10ms, p99: 40ms}}"
        : "{name: %s, slots: 4, queue: 1000, service: {distribution: lognormal, mean: 20ms, p99: 55ms}}";
    int k = big ? 4 : 1;
    String backends = "backends:\n  - " + be.formatted("a") + "\n  - " + be.formatted("b") + "\n  - " + be.formatted("c") + "\n";
    String un = "name: u\nseed: 42\nduration: 20s\nwarmup: 2s\nclients: {rate: 300}\n" + backends + "algorithms: [" + algo + "]\n";
    double unloaded = Simulation.run(ScenarioReader.parse(un, "u.yaml", FeatureRegistry.defaults())).variant(algo).percentileMillis(99);
    String sp = System.getProperty("spike");
    String spike = sp == null ? "" : "{at: " + sp + "s, rps: 3000}, {at: " + (Integer.parseInt(sp) * 1000 + 50) + "ms, rps: 300}, ";
    String sc = "name: s\nseed: 42\nduration: 60s\nclients:\n  rate: {steps: [{at: 0s, rps: " + 300 * k + "}, " + spike + "{at: 20s, rps: " + 900 * k + "}, {at: 40s, rps: " + 300 * k + "}]}\n  timeout: " + (big ? "10s" : "5s") + "\n  priorities: {critical: 10, default: 50, sheddable: 40}\n"
        + backends + "variants:\n  - {name: shedding, algorithm: " + algo + ", shedding: true}\n  - {name: none, algorithm: " + algo + "}\n";
    Scenario s = ScenarioReader.parse(sc, "s.yaml", FeatureRegistry.defaults());
    SimPool pool = new SimPool(s, s.variants().get(0));
    java.util.Map<String, Object> settings = new java.util.HashMap<>();
    for (String key : new String[] {"interval", "tolerance", "queue_timeout", "queue_size"}) {
      String v = System.getProperty(key);
      if (v != null) settings.put(key, v);
    }
    new SheddingFeature().attach(pool, settings);
    VariantResult r = pool.run(p -> {});
    double good = 0;
    StringBuilder per = new StringBuilder();
    for (BucketPoint b : r.series()) {
      if (b.endSeconds() > 20 && b.endSeconds() <= 40) good += b.succeeded();
      if (b.endSeconds() > 19 && b.endSeconds() <= 41) per.append(String.format(" [%.0fs ok %d shed %d p99 %.0f]", b.endSeconds(), b.succeeded(), b.shed(), b.p99Millis()));
    }
    System.out.printf("EXP unloaded p99 %.1f; p99 accepted %.1f (%.2fx); goodput %.1f%%; crit shed %d/%d def %d/%d shd %d/%d; changes %d%n%s%n",
        unloaded, r.percentileMillis(99), r.percentileMillis(99) / unloaded, good / 20 / (600 * k) * 100,
        r.shed(Priority.CRITICAL), r.offered(Priority.CRITICAL), r.shed(Priority.DEFAULT), r.offered(Priority.DEFAULT),
        r.shed(Priority.SHEDDABLE), r.offered(Priority.SHEDDABLE), pool.decisions().total(), per);
    pool.decisions().snapshot().stream().limit(12).forEach(d -> System.out.println("EXP  " + d.message()));
  }
}
