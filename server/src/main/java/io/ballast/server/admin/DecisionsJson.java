package io.ballast.server.admin;

import io.ballast.core.decision.Decision;
import io.ballast.core.decision.DecisionLog;
import java.time.Instant;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The body of {@code GET /admin/decisions[?limit=N][&pool=NAME]}: the newest decisions, oldest
 * first (newest last), with their time and reason in numbers.
 *
 * <pre>{@code
 * {"total":42,"decisions":[
 *   {"at":"2026-01-01T12:00:00.123Z","age_ms":812,"pool":"api","backend":"b2","kind":"weight",
 *    "from":"100","to":"62","reason":"p99 240 ms vs pool 80 ms",
 *    "message":"b2 weight 100 → 62: p99 240 ms vs pool 80 ms"}]}
 * }</pre>
 *
 * <p>{@code total} counts every decision since the start, dropped ones included; {@code backend},
 * {@code from} and {@code to} are null when they do not apply. Threading: thread-safe
 * (stateless; the log is thread-safe).
 */
final class DecisionsJson {
  /** Decisions returned unless the request asks for another number. */
  static final int DEFAULT_LIMIT = 100;

  private final JsonMapper mapper = JsonMapper.builder().build();

  /**
   * @param nowNanos the decisions' clock now, to turn their time into an age and a wall time
   */
  byte[] render(DecisionLog log, int limit, String pool, long nowNanos) {
    Instant now = Instant.now();
    ObjectNode root = mapper.createObjectNode();
    root.put("total", log.total());
    ArrayNode array = root.putArray("decisions");
    List<Decision> decisions = log.latest(limit, pool);
    for (Decision d : decisions) {
      long ageNanos = Math.max(0, nowNanos - d.atNanos());
      ObjectNode n = array.addObject();
      n.put("at", now.minusNanos(ageNanos).toString());
      n.put("age_ms", ageNanos / 1_000_000);
      n.put("pool", d.pool());
      n.put("backend", d.backend());
      n.put("kind", d.kind().label());
      n.put("from", d.from());
      n.put("to", d.to());
      n.put("reason", d.reason());
      n.put("message", d.message());
    }
    return mapper.writeValueAsBytes(root);
  }
}
