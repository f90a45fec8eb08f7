package io.ballast.server.admin;

import io.ballast.core.shed.Priority;
import io.ballast.server.pool.SheddingState;
import java.util.Collection;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON of {@code GET /admin/shedding}: per pool that sheds load, its concurrency limit, each
 * class's threshold and refusals, the requests in flight and waiting, and the baseline latency
 * the limit is judged against. Why the limit moved is in {@code /admin/decisions}. Stateless
 * apart from its mapper; thread-safe.
 */
public final class SheddingJson {
  private final JsonMapper mapper = JsonMapper.builder().build();

  public byte[] render(Collection<SheddingState> states) {
    ArrayNode out = mapper.createArrayNode();
    for (SheddingState s : states) {
      ObjectNode n = out.addObject();
      n.put("pool", s.pool());
      n.put("concurrency_limit", s.limit());
      n.put("in_flight", s.inFlight());
      n.put("baseline_p50_ms", Math.round(s.baselineMillis() * 100) / 100.0);
      n.put("tolerance", s.tolerance());
      ObjectNode classes = n.putObject("classes");
      for (Priority p : Priority.values()) {
        ObjectNode c = classes.putObject(p.label());
        c.put("admitted_below", s.thresholds()[p.ordinal()]);
        c.put("refused", s.refused()[p.ordinal()]);
      }
      ObjectNode queue = n.putObject("waiting_line");
      queue.put("timeout_ms", s.queueTimeout().toMillis());
      queue.put("size", s.queueSize());
      queue.put("waiting", s.waiting());
      queue.put("waited", s.waited());
    }
    return mapper.writeValueAsBytes(out);
  }
}
