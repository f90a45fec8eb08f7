package io.ballast.server.admin;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.Member;
import io.ballast.server.config.HostPort;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The admin actions on a pool's backends, each with the bearer token:
 * <ul>
 *   <li>{@code POST /admin/pools/{pool}/backends/{backend}/{drain|maintenance|activate}}: drain
 *       and maintenance stop new requests to the backend at once; requests in flight finish.
 *   <li>{@code POST /admin/pools/{pool}/backends} with
 *       {@code {"name":"b4","address":"10.0.0.14:8080","weight":2,"zone":"eu/eu-1a"}}: the
 *       backend joins as any new member does (its first health check, slow start): 201.
 *   <li>{@code DELETE /admin/pools/{pool}/backends/{backend}}: the backend takes no new request
 *       and drains. Removing a pool's last backend is allowed: the pool answers 503 until one
 *       is added.
 * </ul>
 * Added and removed backends last until the next reload or restart, which make the pool what
 * the file says again. Every change is a decision in {@code /admin/decisions}.
 *
 * <p>Admin event loop only; stateless apart from its mapper.
 */
final class BackendActions {
  static final String PREFIX = "/admin/pools/";
  private static final Logger LOG = LoggerFactory.getLogger(BackendActions.class);
  private static final Set<String> FIELDS = Set.of("name", "address", "weight", "zone", "state");

  private final JsonMapper mapper = JsonMapper.builder().build();
  private final BackendsJson json = new BackendsJson();
  private final Supplier<List<LoadBalancer>> pools;
  private final Authorizer auth;
  private volatile Membership membership;

  BackendActions(Supplier<List<LoadBalancer>> pools, Authorizer auth) {
    this.pools = pools;
    this.auth = auth;
  }

  void useMembership(Membership m) {
    membership = m;
  }

  FullHttpResponse handle(FullHttpRequest req, String path) {
    String[] parts = path.substring(PREFIX.length()).split("/", -1);
    if (parts.length == 2 && parts[1].equals("backends")) {
      return add(req, QueryStringDecoder.decodeComponent(parts[0]));
    }
    if (parts.length == 3 && parts[1].equals("backends")) {
      return remove(req, QueryStringDecoder.decodeComponent(parts[0]),
          QueryStringDecoder.decodeComponent(parts[2]));
    }
    if (parts.length != 4 || !parts[1].equals("backends")) {
      return Http.text(HttpResponseStatus.NOT_FOUND, "not found: " + path + " (expected:"
          + " /admin/pools/{pool}/backends[/{backend}[/{drain|maintenance|activate}]])\n");
    }
    return state(req, QueryStringDecoder.decodeComponent(parts[0]),
        QueryStringDecoder.decodeComponent(parts[2]), parts[3]);
  }

  private FullHttpResponse state(FullHttpRequest req, String poolName, String backendName,
      String action) {
    AdminState state = switch (action) {
      case "drain" -> AdminState.DRAINING;
      case "maintenance" -> AdminState.MAINTENANCE;
      case "activate" -> AdminState.ACTIVE;
      default -> null;
    };
    if (state == null) {
      return Http.text(HttpResponseStatus.NOT_FOUND, "unknown action '" + action
          + "' (expected: drain, maintenance or activate)\n");
    }
    FullHttpResponse refused = auth.refuse(req);
    if (refused != null) {
      return refused;
    }
    LoadBalancer pool = pool(poolName);
    if (pool == null) {
      return Http.text(HttpResponseStatus.NOT_FOUND, "no pool '" + poolName + "'\n");
    }
    Backend b = pool.backend(backendName);
    if (b == null) {
      return Http.text(HttpResponseStatus.NOT_FOUND,
          "no backend '" + backendName + "' in pool '" + poolName + "'\n");
    }
    pool.setAdminState(b, state, "admin API");
    LOG.info("admin API: pool {} backend {} -> {}", poolName, backendName, state);
    return Http.json(HttpResponseStatus.OK, json.action(poolName, backendName, state));
  }

  private FullHttpResponse add(FullHttpRequest req, String poolName) {
    FullHttpResponse refused = auth.refuse(req);
    if (refused != null) {
      return refused;
    }
    Membership m = membership;
    if (m == null) {
      return Http.text(HttpResponseStatus.NOT_FOUND, "membership changes are off here\n");
    }
    if (pool(poolName) == null) {
      return Http.text(HttpResponseStatus.NOT_FOUND, "no pool '" + poolName + "'\n");
    }
    Member member;
    try {
      member = member(Http.body(req));
    } catch (IllegalArgumentException e) {
      return Http.text(HttpResponseStatus.BAD_REQUEST, e.getMessage() + "\n");
    }
    Backend added;
    try {
      added = m.add(poolName, member, "admin API");
    } catch (IllegalArgumentException e) {
      return Http.text(HttpResponseStatus.CONFLICT, e.getMessage() + "\n");
    }
    LOG.info("admin API: pool {} backend {} added at {}", poolName, member.name(),
        added == null ? member.host() + ":" + member.port() : added.address());
    ObjectNode out = mapper.createObjectNode();
    out.put("pool", poolName);
    out.put("backend", member.name());
    out.put("address", added == null ? member.host() + ":" + member.port() : added.address());
    out.put("weight", member.weight());
    out.put("added", true);
    out.put("note", "lasts until the next reload or restart");
    return Http.json(HttpResponseStatus.CREATED, mapper.writeValueAsBytes(out));
  }

  private FullHttpResponse remove(FullHttpRequest req, String poolName, String backendName) {
    FullHttpResponse refused = auth.refuse(req, Set.of(HttpMethod.DELETE));
    if (refused != null) {
      return refused;
    }
    Membership m = membership;
    LoadBalancer pool = pool(poolName);
    if (m == null || pool == null) {
      return Http.text(HttpResponseStatus.NOT_FOUND, "no pool '" + poolName + "'\n");
    }
    Backend b = pool.backend(backendName);
    if (b == null) {
      return Http.text(HttpResponseStatus.NOT_FOUND,
          "no backend '" + backendName + "' in pool '" + poolName + "'\n");
    }
    int inFlight = b.load().inFlight();
    m.remove(poolName, backendName, "admin API");
    int left = pool.backends().size();
    LOG.info("admin API: pool {} backend {} removed, draining {} request(s)", poolName,
        backendName, inFlight);
    ObjectNode out = mapper.createObjectNode();
    out.put("pool", poolName);
    out.put("backend", backendName);
    out.put("removed", true);
    out.put("draining", inFlight);
    out.put("backends_left", left);
    out.put("note", left == 0
        ? "the pool has no backend now: it answers 503 until one is added"
        : "lasts until the next reload or restart");
    return Http.json(HttpResponseStatus.OK, mapper.writeValueAsBytes(out));
  }

  /** The member a request body describes, or an IllegalArgumentException naming the field. */
  private Member member(byte[] body) {
    JsonNode n;
    try {
      n = mapper.readTree(body);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("body: not JSON (expected: {\"name\": \"b4\","
          + " \"address\": \"10.0.0.14:8080\", \"weight\": 2})");
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("body: not an object (expected: {\"name\": ...,"
          + " \"address\": ...})");
    }
    for (String field : n.propertyNames()) {
      if (!FIELDS.contains(field)) {
        throw new IllegalArgumentException(field + ": unknown field (expected one of: address,"
            + " name, state, weight, zone)");
      }
    }
    String name = text(n, "name", true);
    HostPort address;
    try {
      address = HostPort.parse(text(n, "address", true));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("address: " + e.getMessage());
    }
    if (address.port() == 0) {
      throw new IllegalArgumentException("address: " + address + " (expected: a port 1..65535)");
    }
    JsonNode w = n.get("weight");
    if (w != null && !w.canConvertToInt()) {
      throw new IllegalArgumentException("weight: " + w + " (expected: an integer 1..256)");
    }
    int weight = w == null ? 1 : w.intValue();
    String zone = text(n, "zone", false);
    String state = text(n, "state", false);
    AdminState s = state == null ? AdminState.ACTIVE : switch (state.toLowerCase(Locale.ROOT)) {
      case "active" -> AdminState.ACTIVE;
      case "draining", "drain" -> AdminState.DRAINING;
      case "maintenance" -> AdminState.MAINTENANCE;
      default -> throw new IllegalArgumentException("state: '" + state
          + "' (expected: active, draining or maintenance)");
    };
    return new Member(name, address.host(), address.port(), weight, zone, s);
  }

  private static String text(JsonNode n, String field, boolean required) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw new IllegalArgumentException(field + ": missing (expected: a string)");
      }
      return null;
    }
    if (!v.isString()) {
      throw new IllegalArgumentException(field + ": " + v + " (expected: a string)");
    }
    return v.asString();
  }

  private LoadBalancer pool(String name) {
    for (LoadBalancer p : pools.get()) {
      if (p.name().equals(name)) {
        return p;
      }
    }
    return null;
  }
}
