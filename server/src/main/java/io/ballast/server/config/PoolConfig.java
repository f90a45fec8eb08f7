package io.ballast.server.config;

import io.ballast.core.circuit.CircuitBreakerSettings;
import io.ballast.core.outlier.OutlierSettings;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pick.AlgorithmOptions;
import io.ballast.core.retry.RetrySettings;
import io.ballast.core.zone.ZoneSettings;
import io.ballast.proxy.affinity.AffinitySpec;
import io.ballast.proxy.client.HashKey;
import io.ballast.proxy.signals.SignalsSpec;
import io.ballast.proxy.tls.BackendTls;
import io.ballast.proxy.upstream.BackendProtocol;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One pool of backends and how to balance over them. Immutable.
 *
 * @param name unique among pools
 * @param algorithm how a backend is picked
 * @param options the algorithm's tunables (defaults for those the file does not set)
 * @param hashKey where a hash-based algorithm takes the request key from; empty for the others
 * @param backends the static backends, each at one address; names unique within the pool
 * @param dnsBackends the entries whose members DNS gives ({@code dns:} and {@code srv:}); a pool
 *     has at least one backend or entry
 * @param retries when a failed attempt is tried again on another backend, and the retry budget
 * @param healthChecks active checks, in one or more levels; empty means passive only (a refused
 *     backend rests for {@code passiveDownTime}, then is tried again)
 * @param passiveDownTime how long a backend that refused a connection stays out, > 0
 * @param panicThreshold percent of healthy backends below which the pool balances over all of
 *     them (panic mode), 0..100; 0 turns it off
 * @param slowStart how long a returning backend takes to ramp up to its full weight; zero is off
 * @param outlierDetection passive health: ejection of backends that fail requests; empty is off
 * @param circuitBreaker a circuit breaker per backend with these settings; empty is off
 * @param weightControl the weight controller (and scaling signals); empty is off
 * @param signals where the backends report their own load (header, agent, Prometheus); empty
 *     when none
 * @param zones zone-aware balancing (minimum healthy share, region priority, latency matrix):
 *     present exactly when every backend and DNS entry has a zone
 * @param affinity how the pool keeps sessions on their backend; empty when it does not
 * @param tls how the pool speaks TLS to its backends (built: files read and checked); empty for
 *     plain HTTP
 * @param protocol which HTTP the pool speaks to its backends: HTTP/1.1, h2 (over {@code tls},
 *     which it needs) or h2c, with the stream limit per connection
 * @param shedding adaptive load shedding; empty is off
 */
public record PoolConfig(
    String name,
    Algorithm algorithm,
    AlgorithmOptions options,
    Optional<HashKey> hashKey,
    List<BackendConfig> backends,
    List<DnsBackendConfig> dnsBackends,
    RetrySettings retries,
    Optional<HealthChecksConfig> healthChecks,
    Duration passiveDownTime,
    int panicThreshold,
    Duration slowStart,
    Optional<OutlierSettings> outlierDetection,
    Optional<CircuitBreakerSettings> circuitBreaker,
    Optional<WeightControlConfig> weightControl,
    Optional<SignalsSpec> signals,
    Optional<ZoneSettings> zones,
    Optional<AffinitySpec> affinity,
    Optional<BackendTls> tls,
    BackendProtocol protocol,
    Optional<SheddingConfig> shedding) {
  /** auto: the evidence in docs/optimizer-auto.md and docs/benchmarks.md made it the default. */
  public static final Algorithm DEFAULT_ALGORITHM = Algorithm.AUTO;
  public static final Duration DEFAULT_PASSIVE_DOWN_TIME = Duration.ofSeconds(10);
  public static final int DEFAULT_PANIC_THRESHOLD = 50;

  public PoolConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(hashKey, "hashKey");
    if (hashKey.isPresent() != algorithm.hashBased()) {
      throw new IllegalArgumentException("hashKey: " + hashKey.map(Object::toString).orElse("none")
          + " (expected: a key exactly when the algorithm hashes; " + algorithm + " "
          + (algorithm.hashBased() ? "does" : "does not") + ")");
    }
    backends = List.copyOf(Objects.requireNonNull(backends, "backends"));
    dnsBackends = List.copyOf(Objects.requireNonNull(dnsBackends, "dnsBackends"));
    if (backends.isEmpty() && dnsBackends.isEmpty()) {
      throw new IllegalArgumentException("backends: [] (expected: at least one backend or DNS entry)");
    }
    Objects.requireNonNull(retries, "retries");
    Objects.requireNonNull(circuitBreaker, "circuitBreaker");
    Objects.requireNonNull(healthChecks, "healthChecks");
    Checks.positive("passiveDownTime", passiveDownTime);
    Checks.range("panicThreshold", panicThreshold, 0, 100);
    Objects.requireNonNull(slowStart, "slowStart");
    Objects.requireNonNull(outlierDetection, "outlierDetection");
    Objects.requireNonNull(weightControl, "weightControl");
    Objects.requireNonNull(signals, "signals");
    Objects.requireNonNull(affinity, "affinity");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(shedding, "shedding");
    if (protocol.version() == BackendProtocol.Version.H2 && tls.isEmpty()) {
      throw new IllegalArgumentException("protocol: h2 without tls (expected: tls for h2, or h2c)");
    }
    if (protocol.version() == BackendProtocol.Version.H2C && tls.isPresent()) {
      throw new IllegalArgumentException("protocol: h2c with tls (expected: h2 over TLS)");
    }
    if (slowStart.isNegative()) {
      throw new IllegalArgumentException("slowStart: " + slowStart + " (expected: >= 0)");
    }
    Objects.requireNonNull(zones, "zones");
    long zoned = backends.stream().filter(b -> b.zone().isPresent()).count()
        + dnsBackends.stream().filter(b -> b.zone().isPresent()).count();
    int entries = backends.size() + dnsBackends.size();
    if (zoned != (zones.isPresent() ? entries : 0)) {
      throw new IllegalArgumentException("zones: " + zoned + " of " + entries
          + " backends have a zone and zone-aware balancing is " + (zones.isPresent() ? "on"
          : "off") + " (expected: a zone on every backend and zones on, or neither)");
    }
  }

  /** A pool that sheds nothing. */
  public PoolConfig(String name, Algorithm algorithm, AlgorithmOptions options,
      Optional<HashKey> hashKey, List<BackendConfig> backends, List<DnsBackendConfig> dnsBackends,
      RetrySettings retries, Optional<HealthChecksConfig> healthChecks, Duration passiveDownTime,
      int panicThreshold, Duration slowStart, Optional<OutlierSettings> outlierDetection,
      Optional<CircuitBreakerSettings> circuitBreaker, Optional<WeightControlConfig> weightControl,
      Optional<SignalsSpec> signals, Optional<ZoneSettings> zones,
      Optional<AffinitySpec> affinity, Optional<BackendTls> tls, BackendProtocol protocol) {
    this(name, algorithm, options, hashKey, backends, dnsBackends, retries, healthChecks,
        passiveDownTime, panicThreshold, slowStart, outlierDetection, circuitBreaker,
        weightControl, signals, zones, affinity, tls, protocol, Optional.empty());
  }

  /** A pool that speaks HTTP/1.1 to its backends (over TLS as {@code tls} says). */
  public PoolConfig(String name, Algorithm algorithm, AlgorithmOptions options,
      Optional<HashKey> hashKey, List<BackendConfig> backends, List<DnsBackendConfig> dnsBackends,
      RetrySettings retries, Optional<HealthChecksConfig> healthChecks, Duration passiveDownTime,
      int panicThreshold, Duration slowStart, Optional<OutlierSettings> outlierDetection,
      Optional<CircuitBreakerSettings> circuitBreaker, Optional<WeightControlConfig> weightControl,
      Optional<SignalsSpec> signals, Optional<ZoneSettings> zones,
      Optional<AffinitySpec> affinity, Optional<BackendTls> tls) {
    this(name, algorithm, options, hashKey, backends, dnsBackends, retries, healthChecks,
        passiveDownTime, panicThreshold, slowStart, outlierDetection, circuitBreaker,
        weightControl, signals, zones, affinity, tls, BackendProtocol.HTTP1);
  }

  /** A pool of static backends only. */
  public PoolConfig(String name, Algorithm algorithm, AlgorithmOptions options,
      Optional<HashKey> hashKey, List<BackendConfig> backends, RetrySettings retries,
      Optional<HealthChecksConfig> healthChecks, Duration passiveDownTime, int panicThreshold,
      Duration slowStart, Optional<OutlierSettings> outlierDetection,
      Optional<CircuitBreakerSettings> circuitBreaker, Optional<WeightControlConfig> weightControl,
      Optional<SignalsSpec> signals, Optional<ZoneSettings> zones,
      Optional<AffinitySpec> affinity) {
    this(name, algorithm, options, hashKey, backends, List.of(), retries, healthChecks,
        passiveDownTime, panicThreshold, slowStart, outlierDetection, circuitBreaker,
        weightControl, signals, zones, affinity, Optional.empty());
  }

  /** A pool that is neither zone-aware nor sticky. */
  public PoolConfig(String name, Algorithm algorithm, AlgorithmOptions options,
      Optional<HashKey> hashKey, List<BackendConfig> backends, RetrySettings retries,
      Optional<HealthChecksConfig> healthChecks, Duration passiveDownTime, int panicThreshold,
      Duration slowStart, Optional<OutlierSettings> outlierDetection,
      Optional<CircuitBreakerSettings> circuitBreaker, Optional<WeightControlConfig> weightControl,
      Optional<SignalsSpec> signals) {
    this(name, algorithm, options, hashKey, backends, retries, healthChecks, passiveDownTime,
        panicThreshold, slowStart, outlierDetection, circuitBreaker, weightControl, signals,
        Optional.empty(), Optional.empty());
  }

  /** A pool without weight control, whose backends report no signals of their own. */
  public PoolConfig(String name, Algorithm algorithm, AlgorithmOptions options,
      Optional<HashKey> hashKey, List<BackendConfig> backends, RetrySettings retries,
      Optional<HealthChecksConfig> healthChecks, Duration passiveDownTime, int panicThreshold,
      Duration slowStart, Optional<OutlierSettings> outlierDetection,
      Optional<CircuitBreakerSettings> circuitBreaker) {
    this(name, algorithm, options, hashKey, backends, retries, healthChecks, passiveDownTime,
        panicThreshold, slowStart, outlierDetection, circuitBreaker, Optional.empty(),
        Optional.empty());
  }

  public Optional<BackendConfig> backend(String backendName) {
    return backends.stream().filter(b -> b.name().equals(backendName)).findFirst();
  }
}
