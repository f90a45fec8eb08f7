package io.ballast.proxy.routing;

import java.util.List;

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

  /** The route that takes the request, or null when none matches. */
  Route match(RequestFacts facts) {
    for (Route r : routes) {
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
