package io.ballast.server.config;

import io.ballast.proxy.http2.Http2Options;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads the {@link YamlNode} tree of a config file into {@link BallastConfig}, section by
 * section, reporting every problem with its place in the file and carrying on, so that one run
 * shows them all. Each section has its reader ({@link PoolReader}, {@link ListenersReader},
 * {@link SettingsReader}, ...); each returns null when its part had errors, and records are only
 * built from fully valid parts.
 *
 * <p>Pure apart from checking that the access log's directory exists: it reads the file system
 * but never writes, binds or resolves anything, so a reload can try a file without touching the
 * running config. Not thread-safe: one instance per load.
 */
final class ConfigReader {
  private final Problems problems;
  private final Binds binds;
  private final FailoverReader failover;
  private final AlgorithmReader algorithms;
  private final ZonesReader zones;
  private final PoolReader pools;

  ConfigReader(Problems problems) {
    this.problems = problems;
    this.binds = new Binds(problems);
    this.failover = new FailoverReader(problems);
    this.algorithms = new AlgorithmReader(problems);
    this.zones = new ZonesReader(problems);
    this.pools = new PoolReader(problems, algorithms, failover, zones);
  }

  Optional<BallastConfig> config(YamlNode root) {
    Optional<Section> maybeTop = Section.of(root, "", problems);
    if (maybeTop.isEmpty()) {
      return Optional.empty();
    }
    Section top = maybeTop.get();
    int before = problems.errorCount();
    // Pools first: listeners refer to them by name.
    List<PoolConfig> poolList = pools.pools(top);
    SettingsReader settings = new SettingsReader(problems, binds);
    // Before the listeners: whether their TLS offers h2 depends on it.
    Http2Options http2 =
        optionalSection(top, "http2", settings::http2, Http2Options.defaults());
    List<ListenerConfig> listeners = new ListenersReader(problems, binds, pools,
        failover::retries, algorithms::hashKeySection, http2 == null || http2.enabled(),
        poolList).listeners(top);
    TimeoutsConfig timeouts =
        optionalSection(top, "timeouts", settings::timeouts, TimeoutsConfig.DEFAULTS);
    LimitsConfig limits = optionalSection(top, "limits", settings::limits, LimitsConfig.DEFAULTS);
    ForwardingConfig forwarding =
        optionalSection(top, "forwarding", settings::forwarding, ForwardingConfig.DEFAULTS);
    AdminConfig admin = optionalSection(top, "admin", settings::admin, AdminConfig.DEFAULTS);
    AccessLogConfig accessLog =
        optionalSection(top, "access_log", settings::accessLog, AccessLogConfig.DEFAULTS);
    LocalityConfig locality = optionalSection(top, "locality",
        s -> zones.locality(s, forwarding), LocalityConfig.NONE);
    zones.checkPools(locality, top.keyMarkOf("pools"));
    DiscoveryConfig discovery = optionalSection(top, "discovery",
        new DiscoveryReader(problems)::discovery, DiscoveryConfig.DEFAULTS);
    top.rejectUnknown();
    if (problems.errorCount() != before) {
      return Optional.empty();
    }
    return Optional.ofNullable(problems.build(top.mark(), "", () -> new BallastConfig(
        listeners, poolList, timeouts, limits, forwarding, admin, accessLog, locality,
        discovery, http2)));
  }

  /** An optional top-level section: {@code defaults} when absent, null after errors. */
  private <T> T optionalSection(Section top, String key, Function<Section, T> reader, T defaults) {
    if (top.optional(key).isEmpty()) {
      return defaults;
    }
    return top.child(key).map(reader).orElse(null);
  }
}
