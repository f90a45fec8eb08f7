package io.ballast.proxy;

import io.ballast.proxy.client.AccessList;
import io.ballast.proxy.limits.ListenerLimits;
import io.ballast.proxy.proxyprotocol.ProxyProtocolSpec;
import io.ballast.proxy.routing.RouteSpec;
import io.ballast.proxy.routing.RouteTable;
import io.ballast.proxy.tls.ServerTls;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * What a reload may change of a started HTTP listener without closing its socket: its routes,
 * certificates, access list, connection limits and front balancers. Each change applies to the
 * next connection (or request) and leaves what is under way as it began. Got from
 * {@link ProxyServer#listener}.
 *
 * <p>Thread-safe: each value is published through one volatile write.
 */
public final class ListenerControl {
  private final ListenerContext context;

  ListenerControl(ListenerContext context) {
    this.context = context;
  }

  /**
   * New connections get {@code tls} (null: plain HTTP from now on); open connections and
   * handshakes in progress keep what they have.
   */
  public void replaceTls(ServerTls tls) {
    context.replaceTls(tls);
    ProxyServer.LOG.debug("listener {}: {}", context.name(), tls == null ? "plain HTTP" : tls);
  }

  /**
   * Who may connect with a PROXY protocol header (null: clients connect directly): new
   * connections follow it, open ones keep the client they have.
   */
  public void replaceProxyProtocol(ProxyProtocolSpec spec) {
    if (!Objects.equals(context.proxyProtocol(), spec)) {
      context.replaceProxyProtocol(spec);
      ProxyServer.LOG.info("listener {}: {}", context.name(),
          spec == null ? "clients connect directly" : spec);
    }
  }

  /**
   * The access list (null: every client address): new connections and the next request of
   * every open one follow it.
   */
  public void replaceAccess(AccessList access) {
    context.replaceAccess(access);
    ProxyServer.LOG.debug("listener {}: access {}", context.name(),
        access == null ? "open" : access);
  }

  /**
   * The connection limits: the next accept and the next request of every open connection follow
   * them (a lower connection limit closes nothing).
   */
  public void replaceLimits(ListenerLimits limits) {
    context.replaceLimits(limits);
  }

  /**
   * The routes: the next request the listener begins is routed by {@code routes}, requests in
   * flight finish on the routes they started with.
   *
   * @throws IllegalArgumentException when the routes are not valid for a listener (none, or a
   *     name twice)
   */
  public void replaceRoutes(List<RouteSpec> routes) {
    // The same checks as at start: at least one route, unique names.
    new ListenerSpec(context.name(), new InetSocketAddress(0), routes);
    context.replaceRoutes(RouteTable.of(routes));
    ProxyServer.LOG.debug("listener {}: routes replaced: {}", context.name(), context.routes());
  }
}
