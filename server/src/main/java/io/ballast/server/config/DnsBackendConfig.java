package io.ballast.server.config;

import io.ballast.core.AdminState;
import io.ballast.core.zone.Locality;
import io.ballast.proxy.discovery.DnsBackendSpec;
import java.util.Objects;
import java.util.Optional;

/**
 * One backend entry of a pool found through DNS: a host name ({@code dns:}) whose address records
 * are the members, or an SRV name ({@code srv:}) whose records give targets, ports and weights.
 * The entry's state, cost and zone apply to every member resolved from it. Immutable.
 *
 * <p>Members are named by the resolver, {@code name/ip:port} (e.g.
 * {@code api.internal/10.0.0.5:8080}), so they never clash with the names of static backends,
 * which cannot contain '/'. See docs/discovery.md.
 *
 * @param name the host or SRV name, in lower case without a trailing dot
 * @param srv true for an SRV name
 * @param port the port of every member (1..65535); 0 for SRV, whose records carry the ports
 * @param weight the weight of every member; 0 for SRV, whose records carry the weights
 * @param kind which address records are asked for: of the name, or of each SRV target
 * @param state the operator's state at start of every member
 * @param cost what a request on a member costs, relative to the pool's other backends
 * @param zone where every member runs ("region/zone"); empty when the pool is not zone-aware
 */
public record DnsBackendConfig(String name, boolean srv, int port, int weight,
    DnsBackendSpec.Kind kind, AdminState state, double cost, Optional<Locality> zone) {

  public DnsBackendConfig {
    // The resolver's own rules for names, ports and weights, and its normal form of the name.
    name = new DnsBackendSpec(name, srv, port, weight, kind).name();
    Objects.requireNonNull(state, "state");
    if (!(cost > 0) || !Double.isFinite(cost)) {
      throw new IllegalArgumentException("cost: " + cost + " (expected: a finite number > 0)");
    }
    Objects.requireNonNull(zone, "zone");
  }

  /** An active host-name entry of the default cost and no zone. */
  public static DnsBackendConfig host(String name, int port, int weight, DnsBackendSpec.Kind kind) {
    return new DnsBackendConfig(name, false, port, weight, kind, AdminState.ACTIVE,
        BackendConfig.DEFAULT_COST, Optional.empty());
  }

  /** An active SRV entry of the default cost and no zone. */
  public static DnsBackendConfig srv(String name, DnsBackendSpec.Kind kind) {
    return new DnsBackendConfig(name, true, 0, 0, kind, AdminState.ACTIVE,
        BackendConfig.DEFAULT_COST, Optional.empty());
  }

  /** What the resolver watches for this entry. */
  public DnsBackendSpec toSpec() {
    return new DnsBackendSpec(name, srv, port, weight, kind);
  }
}
