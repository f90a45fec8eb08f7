package io.ballast.sim;

import io.ballast.core.retry.RetrySettings;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A whole simulation: modelled clients and backends, the pool's health checks and retries, and
 * the variants to compare, each run on the same traffic. Immutable; read from YAML by
 * {@link ScenarioReader}.
 *
 * @param name shown in the table and charts
 * @param seed every random draw of the run follows from it
 * @param duration virtual time with arrivals; requests still in flight then are let finish
 * @param warmup the first part of the run left out of the table (the charts show it)
 * @param bucket width of one point of the time series
 * @param clients arrivals and client timeout
 * @param backends the pool's backends, in pool order
 * @param healthChecks active health checks
 * @param retries the pool's retry policy ({@link RetrySettings#DEFAULTS} unless set)
 * @param variants what to compare
 */
public record Scenario(String name, long seed, Duration duration, Duration warmup, Duration bucket,
    ClientSpec clients, List<BackendSpec> backends, HealthCheckSpec healthChecks,
    RetrySettings retries, List<VariantSpec> variants) {
  public Scenario {
    Objects.requireNonNull(name, "name");
    positive("duration", duration);
    Objects.requireNonNull(warmup, "warmup");
    if (warmup.isNegative() || warmup.compareTo(duration) >= 0) {
      throw new IllegalArgumentException(
          "warmup: " + warmup + " (expected: >= 0 and shorter than the duration " + duration + ")");
    }
    positive("bucket", bucket);
    if (bucket.compareTo(duration) > 0) {
      throw new IllegalArgumentException(
          "bucket: " + bucket + " (expected: at most the duration " + duration + ")");
    }
    Objects.requireNonNull(clients, "clients");
    backends = List.copyOf(backends);
    if (backends.isEmpty()) {
      throw new IllegalArgumentException("backends: empty (expected: at least one backend)");
    }
    Set<String> names = new HashSet<>();
    for (BackendSpec b : backends) {
      if (!names.add(b.name())) {
        throw new IllegalArgumentException("backends: " + b.name() + " listed twice");
      }
    }
    Objects.requireNonNull(healthChecks, "healthChecks");
    Objects.requireNonNull(retries, "retries");
    variants = List.copyOf(variants);
    if (variants.isEmpty()) {
      throw new IllegalArgumentException("variants: empty (expected: at least one)");
    }
    if (variants.stream().filter(VariantSpec::oracle).count() > 1) {
      throw new IllegalArgumentException("variants: more than one oracle (expected: at most one)");
    }
    Set<String> backendNames = new HashSet<>(names);
    names.clear();
    for (VariantSpec v : variants) {
      if (!names.add(v.name())) {
        throw new IllegalArgumentException("variants: " + v.name() + " listed twice");
      }
      for (String b : v.weights().keySet()) {
        if (!backendNames.contains(b)) {
          throw new IllegalArgumentException("variants." + v.name() + ".weights." + b
              + ": no such backend (expected one of: " + String.join(", ", backendNames) + ")");
        }
      }
    }
  }

  /** The same scenario with another seed (the CLI's {@code --seed}). */
  public Scenario withSeed(long value) {
    return new Scenario(name, value, duration, warmup, bucket, clients, backends, healthChecks,
        retries, variants);
  }

  /** The same scenario with other variants (to add one, or run one alone). */
  public Scenario withVariants(List<VariantSpec> value) {
    return new Scenario(name, seed, duration, warmup, bucket, clients, backends, healthChecks,
        retries, value);
  }

  /** The oracle variant, if the scenario has one (at most one counts: the first). */
  public java.util.Optional<VariantSpec> oracle() {
    return variants.stream().filter(VariantSpec::oracle).findFirst();
  }

  /**
   * The same scenario with the oracle as its last variant, named {@value VariantSpec#ORACLE},
   * unless it has one already (the scenario reader adds it so unless told {@code oracle: false}).
   */
  public Scenario withOracle() {
    if (oracle().isPresent()) {
      return this;
    }
    List<VariantSpec> all = new java.util.ArrayList<>(variants);
    all.add(VariantSpec.oracle(VariantSpec.ORACLE));
    return withVariants(all);
  }

  /**
   * The same scenario cut to {@code value} (warm-up and bucket shrunk to fit), for quick runs;
   * timeline events after the end simply never happen.
   */
  public Scenario withDuration(Duration value) {
    Duration w = warmup.compareTo(value) >= 0 ? Duration.ZERO : warmup;
    Duration b = bucket.compareTo(value) > 0 ? value : bucket;
    return new Scenario(name, seed, value, w, b, clients, backends, healthChecks, retries,
        variants);
  }

  private static void positive(String field, Duration d) {
    Objects.requireNonNull(d, field);
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(field + ": " + d + " (expected: > 0)");
    }
  }
}
