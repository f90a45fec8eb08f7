package io.ballast.server.config;

import io.ballast.proxy.http2.Http2Options;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A whole, validated ballast configuration, as {@link ConfigLoader} reads it from the YAML file.
 * Immutable and safe to share between threads; a reload produces a new instance.
 *
 * <p>The constructor checks what ties sections together (listeners name existing pools, names
 * unique); {@link ConfigLoader} reports the same problems with their place in the file.
 */
public record BallastConfig(
    List<ListenerConfig> listeners,
    List<PoolConfig> pools,
    TimeoutsConfig timeouts,
    LimitsConfig limits,
    ForwardingConfig forwarding,
    AdminConfig admin,
    AccessLogConfig accessLog,
    LocalityConfig locality,
    DiscoveryConfig discovery,
    Http2Options http2) {
  public BallastConfig {
    Objects.requireNonNull(http2, "http2");
    listeners = List.copyOf(Objects.requireNonNull(listeners, "listeners"));
    pools = List.copyOf(Objects.requireNonNull(pools, "pools"));
    Objects.requireNonNull(timeouts, "timeouts");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(forwarding, "forwarding");
    Objects.requireNonNull(admin, "admin");
    Objects.requireNonNull(accessLog, "accessLog");
    Objects.requireNonNull(locality, "locality");
    Objects.requireNonNull(discovery, "discovery");
    if (listeners.isEmpty()) {
      throw new IllegalArgumentException("listeners: [] (expected: at least one listener)");
    }
    if (pools.isEmpty()) {
      throw new IllegalArgumentException("pools: [] (expected: at least one pool)");
    }
    if (pools.stream().map(PoolConfig::name).distinct().count() != pools.size()) {
      throw new IllegalArgumentException("pools: duplicate names (expected: unique names)");
    }
    if (listeners.stream().map(ListenerConfig::name).distinct().count() != listeners.size()) {
      throw new IllegalArgumentException("listeners: duplicate names (expected: unique names)");
    }
    for (ListenerConfig listener : listeners) {
      for (String pool : listener.pools()) {
        if (pools.stream().noneMatch(p -> p.name().equals(pool))) {
          throw new IllegalArgumentException("listeners." + listener.name() + ": pool '"
              + pool + "' (expected: the name of a pool)");
        }
      }
    }
  }

  /** A configuration with HTTP/2's defaults. */
  public BallastConfig(List<ListenerConfig> listeners, List<PoolConfig> pools,
      TimeoutsConfig timeouts, LimitsConfig limits, ForwardingConfig forwarding, AdminConfig admin,
      AccessLogConfig accessLog, LocalityConfig locality, DiscoveryConfig discovery) {
    this(listeners, pools, timeouts, limits, forwarding, admin, accessLog, locality, discovery,
        Http2Options.defaults());
  }

  /** A configuration with the default discovery settings. */
  public BallastConfig(List<ListenerConfig> listeners, List<PoolConfig> pools,
      TimeoutsConfig timeouts, LimitsConfig limits, ForwardingConfig forwarding, AdminConfig admin,
      AccessLogConfig accessLog, LocalityConfig locality) {
    this(listeners, pools, timeouts, limits, forwarding, admin, accessLog, locality,
        DiscoveryConfig.DEFAULTS);
  }

  /** A configuration whose clients' zones are unknown. */
  public BallastConfig(List<ListenerConfig> listeners, List<PoolConfig> pools,
      TimeoutsConfig timeouts, LimitsConfig limits, ForwardingConfig forwarding, AdminConfig admin,
      AccessLogConfig accessLog) {
    this(listeners, pools, timeouts, limits, forwarding, admin, accessLog, LocalityConfig.NONE);
  }

  public Optional<PoolConfig> pool(String name) {
    return pools.stream().filter(p -> p.name().equals(name)).findFirst();
  }

  public Optional<ListenerConfig> listener(String name) {
    return listeners.stream().filter(l -> l.name().equals(name)).findFirst();
  }

  /**
   * The files this configuration reads besides itself whose contents a reload must notice:
   * every TLS listener's certificates, keys and client CA bundle, every access list's entry files
   * (listeners' and routes'), and every pool's CA bundle and client certificate for TLS to its
   * backends. Sorted, each once.
   */
  public List<java.nio.file.Path> watchedFiles() {
    java.util.TreeSet<java.nio.file.Path> out = new java.util.TreeSet<>();
    for (ListenerConfig l : listeners) {
      if (l.access() != null) {
        out.addAll(l.access().files());
      }
      for (RouteConfig r : l.routes()) {
        if (r.access() != null) {
          out.addAll(r.access().files());
        }
      }
      if (l.tls() != null) {
        io.ballast.proxy.tls.TlsSettings t = l.tls().settings();
        for (io.ballast.proxy.tls.TlsSettings.CertificateSpec c : t.certificates()) {
          out.add(c.cert().toAbsolutePath());
          out.add(c.key().toAbsolutePath());
        }
        if (t.clientCa() != null) {
          out.add(t.clientCa().toAbsolutePath());
        }
      }
    }
    for (PoolConfig p : pools) {
      if (p.tls().isPresent()) {
        io.ballast.proxy.tls.BackendTls.Settings t = p.tls().get().settings();
        for (java.nio.file.Path f : java.util.Arrays.asList(t.ca(), t.cert(), t.key())) {
          if (f != null) {
            out.add(f.toAbsolutePath());
          }
        }
      }
    }
    return List.copyOf(out);
  }
}
