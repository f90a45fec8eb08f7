package io.ballast.server.config;

import io.ballast.proxy.limits.ListenerLimits;
import io.ballast.proxy.routing.RouteSpec;
import java.util.List;
import java.util.Optional;

/**
 * Reads a listener's {@code limits} block ({@code max_connections},
 * {@code max_connections_per_client}, {@code max_requests_per_connection}, {@code
 * max_request_body}) and a route's ({@code max_request_body} alone: the rest are the
 * listener's, and an error on a route names the field). Each takes a number or {@code off}.
 * Not thread-safe: one load at a time.
 */
final class LimitsReader {
  /** What only a listener's limits have: they are about its connections. */
  static final List<String> LISTENER_ONLY = List.of("max_connections",
      "max_connections_per_client", "max_requests_per_connection");
  private static final Value<Long> BODY = Value.orOff(Value.bytes(0,
      ListenerLimitsConfig.MAX_BODY), RouteSpec.NO_BODY_LIMIT);

  private final Problems problems;

  LimitsReader(Problems problems) {
    this.problems = problems;
  }

  /** {@code owner}'s {@code limits}: DEFAULTS without one; null after reporting errors. */
  ListenerLimitsConfig listener(Section owner) {
    Optional<Section> block = owner.child("limits");
    if (block.isEmpty()) {
      return ListenerLimitsConfig.DEFAULTS;
    }
    Section s = block.get();
    int before = problems.errorCount();
    Integer connections = s.get("max_connections",
        count(ListenerLimitsConfig.MAX_CONNECTIONS), ListenerLimits.NONE);
    Integer perClient = s.get("max_connections_per_client",
        count(ListenerLimitsConfig.MAX_CONNECTIONS), ListenerLimits.NONE);
    Integer requests = s.get("max_requests_per_connection",
        count(ListenerLimitsConfig.MAX_REQUESTS), ListenerLimits.NONE);
    Long body = s.get("max_request_body", BODY, RouteSpec.NO_BODY_LIMIT);
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    return problems.build(s.mark(), s.path(), () -> new ListenerLimitsConfig(
        new ListenerLimits(connections, perClient, requests), body));
  }

  /**
   * {@code owner}'s (a route's) {@code limits}: its {@code max_request_body}, or null without
   * one (the listener's applies) and after reporting errors.
   */
  Long route(Section owner) {
    Optional<Section> block = owner.child("limits");
    if (block.isEmpty()) {
      return null;
    }
    Section s = block.get();
    for (String key : s.present(LISTENER_ONLY)) {
      problems.error(s.keyMarkOf(key), s.path(key), "a listener's limit (expected: on a route"
          + " only max_request_body; " + key + " goes in the listener's limits)");
    }
    Long body = s.get("max_request_body", BODY, null);
    s.rejectUnknown();
    return body;
  }

  /** A count of 1..{@code max}, or {@code off}. */
  private static Value<Integer> count(int max) {
    return Value.orOff(Value.integer(1, max), ListenerLimits.NONE);
  }
}
