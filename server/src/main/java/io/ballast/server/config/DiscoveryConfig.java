package io.ballast.server.config;

import io.ballast.proxy.discovery.DnsDiscoverySettings;
import java.util.Objects;

/**
 * The top-level {@code discovery} section: how the backends of {@code dns:} and {@code srv:}
 * entries are found. Immutable.
 *
 * @param dns the one resolver of every DNS entry of every pool: nameservers, refresh bounds,
 *     query timeout
 */
public record DiscoveryConfig(DnsDiscoverySettings dns) {
  /** The system's nameservers, refresh between 1 s and 300 s, 2 s per query. */
  public static final DiscoveryConfig DEFAULTS = new DiscoveryConfig(DnsDiscoverySettings.DEFAULTS);

  public DiscoveryConfig {
    Objects.requireNonNull(dns, "dns");
  }
}
