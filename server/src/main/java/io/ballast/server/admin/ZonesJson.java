package io.ballast.server.admin;

import io.ballast.core.zone.ZoneMap;
import io.ballast.core.zone.ZoneShare;
import io.ballast.server.Zones;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON of {@code GET /admin/zones}: per zone-aware pool, each zone's backends up and total,
 * and per client zone the current plan (where its new requests go, in tier order). Stateless
 * apart from its mapper; admin event loop only.
 */
final class ZonesJson {
  private final JsonMapper mapper = JsonMapper.builder().build();

  byte[] render(Zones zones) {
    ArrayNode out = mapper.createArrayNode();
    for (Zones.Pool p : zones.pools()) {
      ObjectNode n = out.addObject();
      n.put("pool", p.name());
      n.put("min_healthy_percent", p.settings().minHealthyPercent());
      ArrayNode priority = n.putArray("region_priority");
      p.settings().regionPriority().forEach(priority::add);
      ArrayNode zs = n.putArray("zones");
      for (Zones.ZoneState s : zones.states(p)) {
        ObjectNode z = zs.addObject();
        z.put("zone", s.zone().toString());
        z.put("up", s.up());
        z.put("total", s.total());
      }
      ArrayNode plans = n.putArray("plans");
      ZoneMap map = p.zones();
      for (int c = 0; c < map.size(); c++) {
        ObjectNode plan = plans.addObject();
        plan.put("client_zone", map.locality(c).toString());
        plan.put("backends_here", map.hasBackends(c));
        ArrayNode shares = plan.putArray("shares");
        for (ZoneShare s : zones.plan(p, c)) {
          ObjectNode share = shares.addObject();
          share.put("zone", s.zone().toString());
          share.put("share", Math.round(s.share() * 10_000) / 10_000.0);
          share.put("latency_ms", s.latency().toNanos() / 1e6);
        }
      }
    }
    return mapper.writeValueAsBytes(out);
  }
}
