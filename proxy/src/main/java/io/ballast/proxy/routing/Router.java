package io.ballast.proxy.routing;

import io.ballast.core.zone.ZoneMap;
import io.ballast.proxy.ListenerContext;
import io.ballast.proxy.affinity.PoolAffinity;
import io.ballast.proxy.client.AccessList;
import io.ballast.proxy.client.ClientAddress;
import io.ballast.proxy.client.ClientLocality;
import io.ballast.proxy.client.HashKey;
import io.ballast.proxy.client.HashKeys;
import io.ballast.proxy.client.TrustedProxies;
import io.ballast.proxy.tls.ClientTls;
import io.netty.handler.codec.http.HttpRequest;
import io.ballast.proxy.ratelimit.RateLimiter;
import java.net.InetAddress;
import java.util.List;

/**
 * Routing: turns a request into a {@link RoutedRequest} by a listener's routes. It reads the
 * client's identity and the request's cookies once: the route and its deny rules, an https
 * redirect, the split group, the hash key, the client's zone and the session, all from the
 * request as the client sent it. The one side effect: ballast's own affinity cookie leaves the request here, so that
 * the backend never sees it.
 *
 * <p>One per client connection (it keeps the zone of the connection's own peer, looked up once);
 * event-loop only. The listener's route table is read once per request, so a reload never
 * changes the routes under a request in progress.
 */
public final class Router {
  private final ListenerContext listener;
  private final ClientAddress client;
  /** The table's zone of the connection's own peer, looked up once per connection. */
  private InetAddress zonePeer;
  private String zonePeerZone;

  public Router(ListenerContext listener, ClientAddress client) {
    this.listener = listener;
    this.client = client;
  }

  public RoutedRequest route(HttpRequest req, long nowSeconds) {
    return route(req, nowSeconds, null);
  }

  /** As above, on a connection whose TLS handshake settled {@code tls} (null: plain). */
  public RoutedRequest route(HttpRequest req, long nowSeconds, ClientTls tls) {
    TrustedProxies trusted = listener.trustedProxies();
    RequestFacts facts = RequestFacts.of(req, client, trusted, tls);
    AccessList access = listener.access();
    if (access != null && !access.permits(facts.client())) {
      return RoutedRequest.local(facts, null, 403,
          "client address refused by the listener's access list");
    }
    // The one place routing asks about the transport: see RouteTable.match.
    Route r = listener.routes().match(facts, client.secure());
    if (r == null) {
      return RoutedRequest.local(facts, null, 404, "no route for " + facts.host() + facts.path());
    }
    AccessList routeAccess = r.spec.access();
    if (routeAccess != null && !routeAccess.permits(facts.client())) {
      return RoutedRequest.local(facts, r, 403,
          "client address refused by the access list of route " + r.name);
    }
    DenyRule denied = r.denied(facts);
    if (denied != null) {
      return RoutedRequest.local(facts, r, denied.status(), "denied by route " + r.name);
    }
    List<RateLimiter> limits = r.spec.rateLimits();
    for (int i = 0; i < limits.size(); i++) {
      RateLimiter limit = limits.get(i);
      String header = limit.spec().header();
      RateLimiter.Refusal refused =
          limit.acquire(facts.client(), header == null ? null : req.headers().get(header));
      if (refused != null) {
        return RoutedRequest.limited(facts, r, refused);
      }
    }
    HttpsRedirect redirect = r.spec.httpsRedirect();
    if (redirect != null) {
      return redirect.answer(facts, r);
    }
    int g = r.group(req, client, trusted);
    Route.Target t = r.target(g);
    PoolRef pool = t.ref();
    HashKey keySpec = pool.hashKey();
    long hashKey = keySpec == null ? 0L : HashKeys.key(keySpec, req, client, trusted);
    ZoneMap zones = pool.zones();
    String zone = zones == null ? null : clientZone(req, facts.client());
    int zoneIndex = zone == null ? -1 : zones.index(zone);
    PoolAffinity affinity = pool.affinity();
    PoolAffinity.Session session = null;
    if (affinity != null) {
      Boolean strict = r.spec.strictAffinity();
      session = affinity.resolve(req, client, trusted, nowSeconds,
          strict != null ? strict : affinity.strictByDefault());
    }
    return new RoutedRequest(facts, r, 0, null, null, t, r.groupName(g), r.retry(t), hashKey, zone,
        zoneIndex, session, null);
  }

  /**
   * The client's zone by the listener's locality rules: a trusted proxy's header first, else the
   * network table for the client's address (the connection's own peer's answer is kept, so only
   * forwarded clients cost a lookup per request).
   */
  private String clientZone(HttpRequest req, InetAddress address) {
    ClientLocality locality = listener.locality();
    if (locality.header() != null && client.trusted()) {
      String zone = locality.zoneOf(req.headers(), true, null);
      if (zone != null) {
        return zone;
      }
    }
    if (address == null) {
      return null;
    }
    if (address != client.address()) {
      return locality.tableZone(address);
    }
    if (zonePeer != address) {
      zonePeerZone = locality.tableZone(address);
      zonePeer = address;
    }
    return zonePeerZone;
  }
}
