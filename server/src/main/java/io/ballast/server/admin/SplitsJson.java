package io.ballast.server.admin;

import io.ballast.core.split.TrafficSplit;
import io.ballast.server.Splits;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON of {@code /admin/splits}: every split with its groups, pools and weights; and the
 * reading of a change request. Stateless apart from its mapper; admin event loop only.
 */
final class SplitsJson {
  private final JsonMapper mapper = JsonMapper.builder().build();

  byte[] render(Splits splits) {
    ArrayNode out = mapper.createArrayNode();
    for (Splits.Entry e : splits.all()) {
      out.add(entry(e));
    }
    return mapper.writeValueAsBytes(out);
  }

  byte[] render(Splits.Entry e, TrafficSplit.Weights before) {
    ObjectNode n = entry(e);
    ObjectNode previous = n.putObject("previous");
    before.percents().forEach(previous::put);
    return mapper.writeValueAsBytes(n);
  }

  private ObjectNode entry(Splits.Entry e) {
    ObjectNode n = mapper.createObjectNode();
    n.put("listener", e.listener());
    n.put("route", e.route());
    n.put("kind", e.blueGreen() ? "blue-green" : "split");
    TrafficSplit.Weights w = e.split().weights();
    ArrayNode groups = n.putArray("groups");
    for (int i = 0; i < e.split().groups().size(); i++) {
      ObjectNode g = groups.addObject();
      g.put("name", e.split().groups().get(i));
      g.put("pool", e.pools().get(i));
      g.put("weight", w.percent(i));
    }
    if (e.blueGreen()) {
      n.put("active", w.active().size() == 1 ? w.active().get(0) : null);
    }
    return n;
  }

  /**
   * A change: {@code {"weights": {"stable": 90, "canary": 10}}} or {@code {"active": "green"}}.
   *
   * @throws IllegalArgumentException saying what is wrong with the body
   */
  Change parse(byte[] body) {
    JsonNode root;
    try {
      root = mapper.readTree(body);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("body is not JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(
          "body: expected {\"weights\": {group: percent, ...}} or {\"active\": group}");
    }
    JsonNode weights = root.get("weights");
    JsonNode active = root.get("active");
    if ((weights == null) == (active == null) || root.size() != 1) {
      throw new IllegalArgumentException(
          "body: expected exactly one of \"weights\" or \"active\"");
    }
    if (active != null) {
      if (!active.isString()) {
        throw new IllegalArgumentException("active: expected a group name");
      }
      return new Change(null, active.asString());
    }
    if (!weights.isObject()) {
      throw new IllegalArgumentException("weights: expected {group: percent, ...}");
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> f : weights.properties()) {
      if (!f.getValue().isNumber()) {
        throw new IllegalArgumentException("weights." + f.getKey() + ": expected a number");
      }
      out.put(f.getKey(), f.getValue().asDouble());
    }
    return new Change(out, null);
  }

  /** New weights, or a group to send everything to. */
  record Change(Map<String, Double> weights, String active) {}
}
