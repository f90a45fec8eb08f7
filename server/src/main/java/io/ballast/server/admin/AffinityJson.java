package io.ballast.server.admin;

import io.ballast.core.Backend;
import io.ballast.core.affinity.AffinitySettings;
import io.ballast.core.affinity.SessionAffinity;
import io.ballast.core.affinity.SessionCookieCodec;
import io.ballast.core.affinity.SessionRebalancer;
import io.ballast.proxy.affinity.AffinitySpec;
import io.ballast.proxy.affinity.PoolAffinity;
import io.ballast.proxy.affinity.StickyTable;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON of {@code /admin/affinity}: each sticky pool's strategy and settings, what affinity
 * did so far, its sticky table and, per backend, the share of its sessions the rebalancer moves
 * away now. Keys and cookie values never appear. Stateless apart from its mapper; admin event
 * loop only.
 */
final class AffinityJson {
  private final JsonMapper mapper = JsonMapper.builder().build();

  byte[] render(List<PoolAffinity> affinities) {
    ArrayNode out = mapper.createArrayNode();
    for (PoolAffinity a : affinities) {
      SessionAffinity s = a.sessions();
      AffinitySpec spec = a.spec();
      ObjectNode n = out.addObject();
      n.put("pool", s.pool().name());
      n.put("by", spec.strategy().configName());
      if (spec.header() != null) {
        n.put("header", spec.header());
        n.put("fallback", spec.fallback() == null ? "none" : spec.fallback().configName());
      }
      if (spec.cookie() != null) {
        n.put("cookie", spec.cookie().name());
        n.put("keys", spec.cookie().keys().size());
      }
      AffinitySettings settings = spec.settings();
      n.put("strict_by_default", settings.strict());
      n.put("bounded_load", settings.boundedLoad());
      SessionAffinity.Counters c = s.counters();
      ObjectNode sessions = n.putObject("sessions");
      sessions.put("kept", c.kept());
      sessions.put("new", c.pinned());
      sessions.put("moved", c.moved());
      sessions.put("shed", c.shed());
      sessions.put("overflowed", c.overflowed());
      sessions.put("refused", c.refused());
      if (spec.cookie() != null) {
        ObjectNode cookies = n.putObject("cookies");
        cookies.put("set", a.cookiesSet());
        ObjectNode rejected = cookies.putObject("rejected");
        for (SessionCookieCodec.Reason r : SessionCookieCodec.Reason.values()) {
          rejected.put(r.name().toLowerCase(Locale.ROOT), a.rejectedCookies(r));
        }
      }
      StickyTable table = a.table();
      if (table != null) {
        ObjectNode t = n.putObject("table");
        StickyTable.Counters tc = table.counters();
        t.put("entries", table.size());
        t.put("max_entries", table.maximumSize());
        t.put("idle_ms", table.expireAfterAccess().toMillis());
        t.put("hits", tc.hits());
        t.put("misses", tc.misses());
        t.put("evicted", tc.evictions());
        t.put("expired", tc.expirations());
      }
      SessionRebalancer r = s.rebalancer();
      ObjectNode rebalance = n.putObject("rebalance");
      rebalance.put("enabled", r != null);
      if (r != null) {
        AffinitySettings.Rebalance rs = r.settings();
        rebalance.put("above", rs.above());
        rebalance.put("after_ms", rs.after().toMillis());
        rebalance.put("step", rs.step());
        rebalance.put("max_share", rs.maxShare());
        rebalance.put("interval_ms", rs.interval().toMillis());
        ObjectNode shares = rebalance.putObject("shed_share");
        for (Backend b : s.pool().backends()) {
          shares.put(b.name(), r.share(b));
        }
      }
    }
    return mapper.writeValueAsBytes(out);
  }
}
