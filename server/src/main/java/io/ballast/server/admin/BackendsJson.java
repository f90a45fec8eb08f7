package io.ballast.server.admin;

import io.ballast.core.Backend;
import io.ballast.core.BackendLoad;
import io.ballast.core.circuit.CircuitBreaker;
import io.ballast.core.circuit.CircuitCounts;
import io.ballast.core.health.CheckRecord;
import io.ballast.core.health.LevelStatus;
import io.ballast.core.pool.LoadBalancer;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The body of {@code GET /admin/backends}: every pool with its backends' identity, state and
 * load counters, read at the time of the request. {@code circuit} is there when the pool runs
 * circuit breakers; its rates are those of the current state's window, -1 when it is empty.
 *
 * <pre>{@code
 * {"pools":[{"name":"web","algorithm":"round-robin","backends":[
 *   {"name":"b1","address":"10.0.0.1:8080","weight":1,"health":"healthy","admin":"active",
 *    "available":true,"ejected":false,"in_flight":0,"connections":2,"requests":120,"failures":3,
 *    "circuit":{"state":"closed","calls":100,"failure_rate":3.0,"slow_call_rate":0.0,
 *               "not_permitted":0,"rejected_by_concurrency":0,"in_flight":0,"transitions":0},
 *    "checks":[{"age_ms":812,"passed":true,"detail":"status 200"}],
 *    "passing_percent":100,
 *    "levels":[{"name":"check","weight":1,"critical":true,"up":true,"state":"up",
 *      "last":{"age_ms":812,"passed":true,"detail":"status 200"},"checks":[...]}]}]}]}
 * }</pre>
 *
 * <p>{@code signals} holds what the backend reports about its own load, per source (see
 * {@link SignalsJson}).
 *
 * <p>{@code checks} holds the last results over all levels (with several levels each detail
 * starts with the level's name); {@code levels} holds each level's own state and results.
 *
 * <p>Threading: thread-safe (stateless; the pool readers it calls are thread-safe). The values of
 * one backend are read one after the other, not as an atomic snapshot.
 */
final class BackendsJson {
  private final JsonMapper mapper = JsonMapper.builder().build();

  byte[] render(List<LoadBalancer> pools) {
    ObjectNode root = mapper.createObjectNode();
    ArrayNode poolArray = root.putArray("pools");
    for (LoadBalancer pool : pools) {
      ObjectNode p = poolArray.addObject();
      p.put("name", pool.name());
      p.put("algorithm", pool.algorithm().configName());
      p.put("panic", pool.panic());
      long now = pool.nowNanos();
      ArrayNode backends = p.putArray("backends");
      for (Backend b : pool.backends()) {
        BackendLoad load = b.load();
        ObjectNode n = backends.addObject();
        n.put("name", b.name());
        n.put("address", b.address());
        n.put("weight", b.weight());
        n.put("health", lower(pool.health(b)));
        n.put("admin", lower(pool.adminState(b)));
        n.put("available", pool.available(b));
        n.put("ejected", pool.ejected(b));
        n.put("in_flight", load.inFlight());
        n.put("connections", load.connections());
        n.put("requests", load.requests());
        n.put("failures", load.failures());
        if (b.gate() instanceof CircuitBreaker breaker) {
          CircuitCounts c = breaker.counts();
          ObjectNode circuit = n.putObject("circuit");
          circuit.put("state", lower(c.state()));
          circuit.put("calls", c.calls());
          circuit.put("failure_rate", c.failureRate());
          circuit.put("slow_call_rate", c.slowCallRate());
          circuit.put("not_permitted", c.notPermitted());
          circuit.put("rejected_by_concurrency", c.rejectedByConcurrency());
          circuit.put("in_flight", c.inFlight());
          circuit.put("transitions", c.transitions());
        }
        checks(n.putArray("checks"), pool.checkHistory(b), now);
        n.put("passing_percent", pool.passingPercent(b));
        ArrayNode levels = n.putArray("levels");
        for (LevelStatus l : pool.levels(b)) {
          ObjectNode level = levels.addObject();
          level.put("name", l.name());
          level.put("weight", l.weight());
          level.put("critical", l.critical());
          level.put("up", l.up());
          level.put("state", l.state());
          if (l.last() == null) {
            level.putNull("last");
          } else {
            check(level.putObject("last"), l.last(), now);
          }
          checks(level.putArray("checks"), l.history(), now);
        }
        SignalsJson.put(n, b, now);
      }
    }
    return mapper.writeValueAsBytes(root);
  }

  private static void checks(ArrayNode into, List<CheckRecord> records, long now) {
    for (CheckRecord c : records) {
      check(into.addObject(), c, now);
    }
  }

  private static void check(ObjectNode into, CheckRecord c, long now) {
    into.put("age_ms", (now - c.atNanos()) / 1_000_000);
    into.put("passed", c.passed());
    into.put("detail", c.detail());
  }

  /** The answer to an admin action: {"pool":..,"backend":..,"admin":"draining"}. */
  byte[] action(String pool, String backend, Enum<?> state) {
    ObjectNode root = mapper.createObjectNode();
    root.put("pool", pool);
    root.put("backend", backend);
    root.put("admin", lower(state));
    return mapper.writeValueAsBytes(root);
  }

  private static String lower(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }
}
