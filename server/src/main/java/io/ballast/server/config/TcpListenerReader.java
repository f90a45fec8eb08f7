package io.ballast.server.config;

import io.ballast.proxy.client.HashKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads what is a {@code mode: tcp} listener's own, and refuses what it cannot have: its
 * {@code timeouts} ({@code connect}, {@code idle}); no {@code routes}, {@code tls} or
 * {@code rate_limits} (a TCP connection carries no request to route or count; it may route by
 * the server name of a TLS ClientHello it passes on, {@link SniReader}), no request limits
 * ({@code max_requests_per_connection}, {@code max_request_body}); and pools it can balance
 * (no sessions, no hash key but the client's address, plain connections to the backends, no
 * load shedding). Each error names the field and says why. Not thread-safe: one load at a time.
 */
final class TcpListenerReader {
  /** An HTTP listener's fields, each with why a TCP listener has none. */
  private static final Map<String, String> HTTP_ONLY = Map.of(
      "routes", "a tcp listener sends every connection to its pool, or routes TLS by server"
          + " name: set pool, or sni",
      "tls", "a tcp listener relays bytes as they come; TLS is the backends' own (route it by"
          + " server name with sni)",
      "rate_limits", "a tcp listener has no requests to count; limit connections in limits");
  private static final List<String> REQUEST_LIMITS =
      List.of("max_requests_per_connection", "max_request_body");
  private static final Value<Duration> DURATION = Value.duration();

  private final Problems problems;

  TcpListenerReader(Problems problems) {
    this.problems = problems;
  }

  /** Reports every HTTP-only field {@code s} (a tcp listener) sets. */
  void refuseHttpFields(Section s) {
    for (String key : List.of("routes", "tls", "rate_limits")) {
      if (s.optional(key).isPresent()) {
        problems.error(s.keyMarkOf(key), s.path(key), "set on a tcp listener (expected: none; "
            + HTTP_ONLY.get(key) + ")");
      }
    }
    s.child("limits").ifPresent(limits -> {
      for (String key : REQUEST_LIMITS) {
        if (limits.optional(key).isPresent()) {
          problems.error(limits.keyMarkOf(key), limits.path(key), "set on a tcp listener"
              + " (expected: only max_connections and max_connections_per_client; a tcp"
              + " connection carries no requests)");
        }
      }
    });
  }

  /** The listener's {@code timeouts}; null after reporting errors. */
  TcpListenerConfig settings(Section s) {
    Optional<Section> block = s.child("timeouts");
    if (block.isEmpty()) {
      return s.optional("timeouts").isPresent() ? null : TcpListenerConfig.DEFAULTS;
    }
    Section t = block.get();
    int before = problems.errorCount();
    Duration connect = t.get("connect", DURATION, null);
    Duration idle = t.get("idle", DURATION, TcpListenerConfig.DEFAULT_IDLE_TIMEOUT);
    t.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    return problems.build(t.mark(), t.path(),
        () -> new TcpListenerConfig(Optional.ofNullable(connect), idle));
  }

  /**
   * Reports why the pool {@code name} (named at {@code s}'s {@code key}) cannot serve a tcp
   * listener, if it cannot; nothing for an unknown pool (reported already).
   */
  void checkPool(Section s, String key, String name, Map<String, PoolConfig> pools) {
    PoolConfig p = name == null ? null : pools.get(name);
    if (p == null) {
      return;
    }
    String why = null;
    if (p.hashKey().isPresent() && !(p.hashKey().get() instanceof HashKey.ClientIp)) {
      why = "hashes on a request's " + keyName(p.hashKey().get()) + " (expected: a hash key of"
          + " source client-ip: a tcp connection has no request to read)";
    } else if (p.affinity().isPresent()) {
      why = "keeps sessions with affinity (expected: none; a hash algorithm on the client's"
          + " address keeps a client on its backend)";
    } else if (p.tls().isPresent()) {
      why = "speaks TLS to its backends (expected: plain connections; a tcp listener relays"
          + " the client's bytes as they are)";
    } else if (p.protocol().multiplexed()) {
      why = "speaks HTTP/2 to its backends (expected: protocol http1, the default)";
    } else if (p.shedding().isPresent()) {
      why = "sheds load per request (expected: no shedding; limit a tcp listener's connections"
          + " with limits.max_connections)";
    }
    if (why != null) {
      problems.error(s.markOf(key), s.path(key), "pool '" + name + "' " + why);
    }
  }

  private static String keyName(HashKey key) {
    if (key instanceof HashKey.Header) {
      return "header";
    } else if (key instanceof HashKey.Cookie) {
      return "cookie";
    } else if (key instanceof HashKey.Query) {
      return "query parameter";
    }
    return "path";
  }
}
