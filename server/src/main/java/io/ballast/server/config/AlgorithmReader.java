package io.ballast.server.config;

import io.ballast.core.pick.Algorithm;
import io.ballast.core.pick.AlgorithmOptions;
import io.ballast.proxy.client.HashKey;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads what a pool's algorithm takes besides its name: the block of tunables named after it
 * ({@code least_request}, {@code maglev}, ...) and, for the hash-based ones, {@code hash_key}
 * (a route's split {@code user_key} is read as one too). Not thread-safe: one load at a time.
 */
final class AlgorithmReader {
  /** The pool blocks of algorithm tunables, each named after its algorithm with '_' for '-'. */
  private static final List<String> OPTION_BLOCKS = List.of("least_request", "peak_ewma",
      "least_connections_response_time", "ring_hash", "maglev", "bounded_load_hash");
  private static final Pattern HASH_SOURCES = Pattern.compile("client-ip|header|cookie|query|path");
  private static final String HASH_SOURCES_EXPECTED = "one of client-ip, header, cookie, query, path";
  private static final Pattern HASH_KEY_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");

  private final Problems problems;

  AlgorithmReader(Problems problems) {
    this.problems = problems;
  }

  /**
   * The tunables blocks of a pool, each named after its algorithm (least_request, maglev, ...).
   * Only the block of the pool's own algorithm may be set: a block for another one would be
   * silently ignored, which hides mistakes.
   */
  AlgorithmOptions options(Section pool, Algorithm algorithm) {
    AlgorithmOptions d = AlgorithmOptions.DEFAULTS;
    int[] ints = {d.choices(), d.capacity(), d.ringSize(), d.maglevTableSize()};
    double[] doubles = {d.activeRequestBias(), d.connectionWeight(), d.responseTimeWeight(),
        d.loadBoundEpsilon()};
    Duration[] decay = {d.ewmaDecay()};
    Mark at = pool.mark();
    String path = pool.path();
    int before = problems.errorCount();
    for (String block : OPTION_BLOCKS) {
      Optional<Section> section = pool.child(block);
      if (section.isEmpty()) {
        continue;
      }
      String owner = block.replace('_', '-');
      if (!owner.equals(algorithm.configName())) {
        problems.error(pool.keyMarkOf(block), pool.path(block), "options for " + owner
            + ", but the pool's algorithm is " + algorithm + " (expected: only the "
            + algorithm.configName().replace('-', '_') + " block, or none)");
        continue;
      }
      Section o = section.get();
      at = pool.keyMarkOf(block);
      path = o.path();
      switch (block) {
        case "least_request" -> {
          ints[0] = orElse(o.get("choices", Value.integer(2, 64), ints[0]), ints[0]);
          doubles[0] = orElse(o.get("active_request_bias", Value.decimal(0, 10), doubles[0]), doubles[0]);
        }
        case "peak_ewma" -> {
          decay[0] = orElse(o.get("decay", Value.duration(), decay[0]), decay[0]);
          ints[0] = orElse(o.get("choices", Value.integer(2, 64), ints[0]), ints[0]);
        }
        case "least_connections_response_time" -> {
          doubles[1] = orElse(o.get("connection_weight", Value.decimal(0, 1000), doubles[1]), doubles[1]);
          doubles[2] = orElse(o.get("response_time_weight", Value.decimal(0, 1000), doubles[2]), doubles[2]);
          ints[1] = orElse(o.get("capacity", Value.integer(1, 1_000_000), ints[1]), ints[1]);
        }
        case "ring_hash" -> ints[2] = orElse(
            o.get("ring_size", Value.integer(1, AlgorithmOptions.MAX_TABLE), ints[2]), ints[2]);
        case "maglev" -> {
          Integer size = o.get("table_size", Value.integer(3, AlgorithmOptions.MAX_TABLE), ints[3]);
          if (size != null && !AlgorithmOptions.isPrime(size)) {
            problems.error(o.markOf("table_size"), o.path("table_size"), size
                + " (expected: a prime, such as 65537 or 655373, as the Maglev paper requires)");
          }
          ints[3] = orElse(size, ints[3]);
        }
        case "bounded_load_hash" -> {
          doubles[3] = orElse(o.get("epsilon", Value.decimal(0.01, 10), doubles[3]), doubles[3]);
          ints[2] = orElse(
              o.get("ring_size", Value.integer(1, AlgorithmOptions.MAX_TABLE), ints[2]), ints[2]);
        }
        default -> throw new IllegalStateException("no reader for " + block);
      }
      o.rejectUnknown();
    }
    if (problems.errorCount() != before) {
      return null;
    }
    return problems.build(at, path, () -> new AlgorithmOptions(ints[0], doubles[0], decay[0], doubles[1], doubles[2], ints[1],
            ints[2], ints[3], doubles[3]));
  }

  private static <T> T orElse(T value, T fallback) {
    return value == null ? fallback : value;
  }

  /** Where a hash-based pool takes its key from; client IP when the file does not say. */
  Optional<HashKey> hashKey(Section pool, Algorithm algorithm) {
    Optional<Section> section = pool.child("hash_key");
    if (!algorithm.hashBased()) {
      if (section.isPresent()) {
        problems.error(pool.keyMarkOf("hash_key"), pool.path("hash_key"), "set, but algorithm "
            + algorithm + " does not hash (expected: only with " + hashAlgorithms() + ")");
      }
      return Optional.empty();
    }
    if (section.isEmpty()) {
      return Optional.of(HashKey.CLIENT_IP);
    }
    return Optional.ofNullable(hashKeySection(section.get()));
  }

  /** A key block: source (client-ip when not set), name, prefixes; null after errors. */
  HashKey hashKeySection(Section s) {
    int before = problems.errorCount();
    String source = s.get("source", Value.string(HASH_SOURCES_EXPECTED, HASH_SOURCES), "client-ip");
    boolean named = "header".equals(source) || "cookie".equals(source) || "query".equals(source);
    String name = named ? s.require("name", Value.string("a " + source + " name", HASH_KEY_NAME)) : null;
    Integer v4 = null;
    Integer v6 = null;
    if ("client-ip".equals(source)) {
      v4 = s.get("ipv4_prefix", Value.integer(0, 32), 32);
      v6 = s.get("ipv6_prefix", Value.integer(0, 128), 128);
    } else if (source != null) {
      for (String key : new String[] {"ipv4_prefix", "ipv6_prefix"}) {
        if (s.optional(key).isPresent()) {
          problems.error(s.keyMarkOf(key), s.path(key), "set, but source is " + source
              + " (expected: only with source client-ip)");
        }
      }
    }
    if (!named && source != null && s.optional("name").isPresent()) {
      problems.error(s.keyMarkOf("name"), s.path("name"), "set, but source " + source
          + " takes no name (expected: only with header, cookie or query)");
    }
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    int prefix4 = v4 == null ? 32 : v4;
    int prefix6 = v6 == null ? 128 : v6;
    HashKey key = problems.build(s.mark(), s.path(), () -> switch (source) {
      case "client-ip" -> new HashKey.ClientIp(prefix4, prefix6);
      case "header" -> new HashKey.Header(name);
      case "cookie" -> new HashKey.Cookie(name);
      case "query" -> new HashKey.Query(name);
      default -> new HashKey.Path();
    });
    return key;
  }

  private static String hashAlgorithms() {
    return Arrays.stream(Algorithm.values()).filter(Algorithm::hashBased)
        .map(Algorithm::configName).collect(Collectors.joining(", "));
  }
}
