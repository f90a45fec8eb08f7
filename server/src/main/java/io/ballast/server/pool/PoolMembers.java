package io.ballast.server.pool;

import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.Member;
import io.ballast.proxy.discovery.DnsMember;
import io.ballast.proxy.discovery.DnsWatch;
import io.ballast.server.config.BackendConfig;
import io.ballast.server.config.DnsBackendConfig;
import io.ballast.server.config.PoolConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who a pool's members are: the file's backends, plus the members its {@code dns:} and
 * {@code srv:} entries resolve to (each address a member, named {@code name/address}), pushed to
 * the balancer as one membership whenever either side changes. The balancer keeps each member
 * that stays, matched by name, with everything it learnt.
 *
 * <p>A DNS entry keeps its last members while its lookups fail (the resolver's rule); an entry
 * removed from the file takes its members with it. Members of an entry carry its state, zone and
 * cost.
 *
 * <p>Thread-safe: one lock guards the file's view and the resolved members; the membership is
 * pushed under it (a post to the control loop, never a wait). Resolver answers arrive on an
 * event loop and are handed to the control loop.
 */
final class PoolMembers implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PoolMembers.class);

  private final LoadBalancer pool;
  private final PoolServices services;
  private final Consumer<Map<String, Double>> costs;
  private final Object lock = new Object();
  // Guarded by lock.
  private PoolConfig config;
  private final Map<DnsBackendConfig, DnsWatch> watches = new LinkedHashMap<>();
  private final Map<DnsBackendConfig, List<Member>> resolved = new HashMap<>();

  /** @param costs told every member's cost by name whenever the membership changes */
  PoolMembers(LoadBalancer pool, PoolConfig config, PoolServices services,
      Consumer<Map<String, Double>> costs) {
    this.pool = pool;
    this.config = config;
    this.services = services;
    this.costs = costs;
  }

  /**
   * The file says {@code next} now (its backends, its DNS entries); with {@code rewatch} every
   * DNS entry is watched again on the current resolver. Returns true when the members changed.
   */
  boolean apply(PoolConfig next, boolean rewatch, String reason) {
    synchronized (lock) {
      boolean staticChanged = !next.backends().equals(config.backends());
      config = next;
      boolean dnsChanged = false;
      for (DnsBackendConfig e : new ArrayList<>(watches.keySet())) {
        if (rewatch || !next.dnsBackends().contains(e)) {
          watches.remove(e).close();
          if (!next.dnsBackends().contains(e)) {
            dnsChanged |= resolved.remove(e) != null;
          }
        }
      }
      for (DnsBackendConfig e : next.dnsBackends()) {
        if (!watches.containsKey(e)) {
          watches.put(e, services.discovery().resolver().watch(e.toSpec(),
              update -> services.control().execute(() -> found(e, update.members()))));
        }
      }
      if (staticChanged || dnsChanged) {
        push(reason);
      }
      return staticChanged || dnsChanged;
    }
  }

  /** A DNS entry resolved to {@code members} (never empty: failures keep the last list). */
  private void found(DnsBackendConfig entry, List<DnsMember> members) {
    synchronized (lock) {
      if (!watches.containsKey(entry)) {
        return;
      }
      List<Member> list = new ArrayList<>(members.size());
      String zone = entry.zone().map(Object::toString).orElse(null);
      for (DnsMember m : members) {
        list.add(new Member(m.name(), m.host(), m.port(), m.weight(), zone, entry.state()));
      }
      if (list.equals(resolved.get(entry))) {
        return;
      }
      resolved.put(entry, List.copyOf(list));
      log.info("pool {}: {} {} resolves to {}", pool.name(), entry.srv() ? "srv" : "dns",
          entry.name(), members.stream().map(DnsMember::address).toList());
      push("dns " + entry.name());
    }
  }

  /** The file's backends and every entry's members, as one membership (lock held). */
  private void push(String reason) {
    List<Member> members = new ArrayList<>();
    Map<String, Double> cost = new HashMap<>();
    for (BackendConfig b : config.backends()) {
      members.add(new Member(b.name(), b.address().host(), b.address().port(), b.weight(),
          b.zone().map(Object::toString).orElse(null), b.state()));
      cost.put(b.name(), b.cost());
    }
    for (DnsBackendConfig e : config.dnsBackends()) {
      for (Member m : resolved.getOrDefault(e, List.of())) {
        members.add(m);
        cost.put(m.name(), e.cost());
      }
    }
    pool.roster().set(dedupe(members), reason);
    costs.accept(cost);
  }

  /** Two entries resolving to the same address under the same name: the first is kept. */
  private static List<Member> dedupe(List<Member> members) {
    Map<String, Member> byName = new LinkedHashMap<>();
    for (Member m : members) {
      byName.putIfAbsent(m.name(), m);
    }
    return new ArrayList<>(byName.values());
  }

  /** Every member's cost by name, as configured (the file's backends and DNS entries'). */
  Map<String, Double> costs() {
    synchronized (lock) {
      Map<String, Double> cost = new HashMap<>();
      config.backends().forEach(b -> cost.put(b.name(), b.cost()));
      for (DnsBackendConfig e : config.dnsBackends()) {
        resolved.getOrDefault(e, List.of()).forEach(m -> cost.put(m.name(), e.cost()));
      }
      return cost;
    }
  }

  /** The DNS watches now, for metrics and the admin view. */
  List<DnsWatch> watches() {
    synchronized (lock) {
      return List.copyOf(watches.values());
    }
  }

  /** Stops watching; the members stay as they are. */
  @Override
  public void close() {
    synchronized (lock) {
      watches.values().forEach(DnsWatch::close);
      watches.clear();
    }
  }
}
