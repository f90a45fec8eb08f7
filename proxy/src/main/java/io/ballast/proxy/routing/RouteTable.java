package io.ballast.proxy.routing;

import io.ballast.proxy.signals.LoadReportReader;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A listener's routes in order: the first whose match holds takes the request. Immutable and
 * thread-safe; a lookup is a loop over the routes with no allocation beyond what regular
 * expressions need.
 */
public final class RouteTable {
  private final Route[] routes;

  public RouteTable(List<Route> routes) {
    this.routes = routes.toArray(new Route[0]);
  }

  /**
   * A listener's routes ready for the data plane: each pool a route sends to gets its
   * load-report reader (one per pool within the table, shared by its routes).
   */
  public static RouteTable of(List<RouteSpec> specs) {
    Map<PoolRef, Route.Target> targets = new IdentityHashMap<>();
    List<Route> routes = new ArrayList<>(specs.size());
    for (RouteSpec r : specs) {
      routes.add(new Route(r, ref -> targets.computeIfAbsent(ref, p -> new Route.Target(p,
          p.loadReportHeader() == null ? null
              : new LoadReportReader(AsciiString.of(p.loadReportHeader()), p.pool())))));
    }
    return new RouteTable(routes);
  }

  /**
   * The route that takes the request, or null when none matches. On a {@code secure} connection
   * (TLS terminated by ballast) a route with an https redirect takes nothing: redirecting would
   * send the client to where it already is, so the next route is tried instead. This is the only
   * place where the rule lives.
   */
  Route match(RequestFacts facts, boolean secure) {
    for (Route r : routes) {
      if (secure && r.spec.httpsRedirect() != null) {
        continue;
      }
      if (r.spec.match().matches(facts)) {
        return r;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return java.util.Arrays.toString(routes);
  }
}
