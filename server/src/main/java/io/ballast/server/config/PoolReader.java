package io.ballast.server.config;

import io.ballast.core.circuit.CircuitBreakerSettings;
import io.ballast.core.outlier.OutlierSettings;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pick.AlgorithmOptions;
import io.ballast.core.retry.RetrySettings;
import io.ballast.core.zone.ZoneSettings;
import io.ballast.proxy.affinity.AffinitySpec;
import io.ballast.proxy.client.HashKey;
import io.ballast.proxy.proxyprotocol.ProxyHeaderVersion;
import io.ballast.proxy.signals.SignalsSpec;
import io.ballast.proxy.tls.BackendTls;
import io.ballast.proxy.upstream.BackendProtocol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the {@code pools} list: each pool's name and its own fields, handing each block to its
 * reader (algorithm, backends, failover, health checks, weight control, signals, zones,
 * affinity). Remembers what the listeners need afterwards: the pool names with their place, and
 * which pools keep sessions. Not thread-safe: one load at a time.
 */
final class PoolReader {
  private final Problems problems;
  private final AlgorithmReader algorithms;
  private final BackendsReader backends;
  private final FailoverReader failover;
  private final HealthChecksReader healthChecks;
  private final WeightControlReader weightControl;
  private final SignalsReader signals;
  private final ZonesReader zones;
  /** Pool names with the place they were given, for the listeners' references. */
  private final Map<String, Mark> names = new LinkedHashMap<>();
  /** Pools that remember sessions (affinity by cookie, ip or header): strict routes need one. */
  private final Set<String> stickyPools = new HashSet<>();
  private boolean readable;

  PoolReader(Problems problems, AlgorithmReader algorithms, FailoverReader failover,
      ZonesReader zones) {
    this.problems = problems;
    this.algorithms = algorithms;
    this.failover = failover;
    this.zones = zones;
    this.backends = new BackendsReader(problems, zones);
    this.healthChecks = new HealthChecksReader(problems);
    this.weightControl = new WeightControlReader(problems);
    this.signals = new SignalsReader(problems);
  }

  /** The pools of {@code top}; null after reporting errors. */
  List<PoolConfig> pools(Section top) {
    int before = problems.errorCount();
    List<PoolConfig> pools = new ArrayList<>();
    List<Section> sections = top.list("pools", "pool");
    readable = !sections.isEmpty();
    for (Section s : sections) {
      Optional.ofNullable(pool(s)).ifPresent(pools::add);
    }
    return problems.errorCount() == before ? pools : null;
  }

  /** The pool names read, with where each is given. */
  Map<String, Mark> names() {
    return names;
  }

  /**
   * False when the list itself was missing or unreadable: references to pools are then not
   * checked, since every one would fail.
   */
  boolean readable() {
    return readable;
  }

  /** The pools with session affinity that remembers sessions (cookie, ip or header). */
  Set<String> stickyPools() {
    return stickyPools;
  }

  private PoolConfig pool(Section s) {
    int before = problems.errorCount();
    String name = s.require("name", Names.VALUE);
    if (name != null && !names.containsKey(name)) {
      names.put(name, s.markOf("name"));
    } else if (name != null) {
      Names.duplicate(problems, s, name, names.get(name), "pool");
    }
    Algorithm algorithm = s.get("algorithm", Value.algorithm(), PoolConfig.DEFAULT_ALGORITHM);
    AlgorithmOptions options = algorithm == null ? null : algorithms.options(s, algorithm);
    Optional<HashKey> hashKey =
        algorithm == null ? Optional.empty() : algorithms.hashKey(s, algorithm);
    BackendsReader.Backends entries = backends.backends(s);
    s.retired("max_connect_attempts", "replaced by retries.max_attempts, which also covers"
        + " failures after connecting (expected: retries: {max_attempts: N})");
    RetrySettings retries = s.child("retries").map(failover::retries)
        .orElse(RetrySettings.DEFAULTS);
    Optional<CircuitBreakerSettings> circuitBreaker =
        s.child("circuit_breaker").map(failover::circuitBreaker);
    Optional<HealthChecksConfig> checks = healthChecks.healthChecks(s);
    Duration passiveDownTime =
        s.get("passive_down_time", Value.duration(), PoolConfig.DEFAULT_PASSIVE_DOWN_TIME);
    Integer panicThreshold =
        s.get("panic_threshold", Value.integer(0, 100), PoolConfig.DEFAULT_PANIC_THRESHOLD);
    Duration slowStart = s.get("slow_start", Value.duration(), Duration.ZERO);
    Optional<OutlierSettings> outliers =
        s.child("outlier_detection").map(failover::outlierDetection);
    Optional<WeightControlConfig> control =
        s.child("weight_control").map(weightControl::weightControl);
    Optional<SignalsSpec> signalsSpec = s.child("signals").map(signals::signals);
    Optional<ZoneSettings> zoneSettings = zones.poolZones(s, name);
    Optional<AffinitySpec> affinity = s.child("affinity")
        .map(a -> new AffinityReader(problems).affinity(a, algorithm));
    Optional<BackendTls> tls = s.child("tls").map(t -> new BackendTlsReader(problems).tls(t));
    BackendProtocol protocol = protocol(s);
    Optional<SheddingConfig> shedding = s.child("shedding")
        .map(new SheddingReader(problems)::shedding).orElse(Optional.empty());
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    if (name != null && affinity.isPresent() && affinity.get().usesMemory()) {
      stickyPools.add(name);
    }
    return problems.build(s.mark(), s.path(), () -> new PoolConfig(name, algorithm, options,
        hashKey, entries.statics(), entries.dns(), retries, checks, passiveDownTime,
        panicThreshold, slowStart, outliers, circuitBreaker, control, signalsSpec, zoneSettings,
        affinity, tls, protocol, shedding == null ? Optional.empty() : shedding));
  }

  private static final Value<BackendProtocol.Version> PROTOCOL = Value.choice("http1, h2 or h2c",
      Map.of("http1", BackendProtocol.Version.HTTP1, "h2", BackendProtocol.Version.H2,
          "h2c", BackendProtocol.Version.H2C));
  private static final Value<ProxyHeaderVersion> PROXY_HEADER = Value.choice("v1 or v2",
      Map.of("v1", ProxyHeaderVersion.V1, "v2", ProxyHeaderVersion.V2));

  /**
   * The pool's {@code protocol}, {@code max_streams_per_connection} and {@code proxy_protocol}
   * (the PROXY header its connections begin with, HTTP/1.1 pools only). h2 is HTTP/2 over the
   * pool's {@code tls} and needs one (no silent default: verification against the JDK's CAs
   * would surprise a pool that meant h2c); h2c is cleartext and refuses one. Null after errors.
   */
  private BackendProtocol protocol(Section s) {
    int before = problems.errorCount();
    BackendProtocol.Version version = s.get("protocol", PROTOCOL, BackendProtocol.Version.HTTP1);
    Integer streams = s.get("max_streams_per_connection", Value.integer(1, Integer.MAX_VALUE),
        BackendProtocol.DEFAULT_MAX_STREAMS);
    boolean tls = s.optional("tls").isPresent();
    if (version == BackendProtocol.Version.H2 && !tls) {
      problems.error(s.markOf("protocol"), s.path("protocol"), "h2 needs " + s.path("tls")
          + " (expected: a tls block, tls: {} to verify against the JDK's trusted CAs; or"
          + " protocol: h2c for HTTP/2 in cleartext)");
    } else if (version == BackendProtocol.Version.H2C && tls) {
      problems.error(s.markOf("protocol"), s.path("protocol"), "h2c is HTTP/2 in cleartext and"
          + " the pool has " + s.path("tls") + " (expected: protocol: h2 for HTTP/2 over TLS)");
    }
    if (version == BackendProtocol.Version.HTTP1 && s.optional("max_streams_per_connection")
        .isPresent()) {
      problems.error(s.markOf("max_streams_per_connection"), s.path("max_streams_per_connection"),
          "set for an HTTP/1.1 pool (expected: protocol: h2 or h2c, whose connections carry"
              + " streams)");
    }
    ProxyHeaderVersion proxyHeader = s.get("proxy_protocol", PROXY_HEADER, null);
    if (proxyHeader != null && version != BackendProtocol.Version.HTTP1) {
      problems.error(s.markOf("proxy_protocol"), s.path("proxy_protocol"), "set for an HTTP/2"
          + " pool (expected: protocol: http1; an HTTP/2 connection carries many clients' streams"
          + " and a PROXY header names one client)");
    }
    if (problems.errorCount() != before || version == null || streams == null) {
      return null;
    }
    return new BackendProtocol(version, streams, proxyHeader);
  }
}
