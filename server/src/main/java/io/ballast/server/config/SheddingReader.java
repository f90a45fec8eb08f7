package io.ballast.server.config;

import io.ballast.core.shed.Priority;
import io.ballast.core.shed.SheddingSettings;
import io.ballast.server.config.YamlNode.Entry;
import io.ballast.server.config.YamlNode.MapNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a pool's {@code shedding} block. Every value is checked against what core accepts, so a
 * bad one is reported with its field and line ({@code pools[0].shedding.tolerance: 0.5
 * (expected: 1..10)}) instead of failing when the pool starts. Not thread-safe: one load at a
 * time.
 */
final class SheddingReader {
  private static final Value<Priority> PRIORITY = Value.choice(
      "critical, default or sheddable", Map.of("critical", Priority.CRITICAL,
          "default", Priority.DEFAULT, "sheddable", Priority.SHEDDABLE));

  private final Problems problems;

  SheddingReader(Problems problems) {
    this.problems = problems;
  }

  /**
   * The pool's shedding; empty when the block says {@code enabled: false}, null after reporting
   * errors. Unset keys keep {@link SheddingSettings#DEFAULTS}.
   */
  Optional<SheddingConfig> shedding(Section s) {
    SheddingSettings d = SheddingSettings.DEFAULTS;
    int before = problems.errorCount();
    Boolean enabled = s.get("enabled", Value.bool(), true);
    Integer min = s.get("min_limit", Value.integer(1, SheddingSettings.MAX_LIMIT), d.minLimit());
    Integer max = s.get("max_limit", Value.integer(1, SheddingSettings.MAX_LIMIT), d.maxLimit());
    Double tolerance = s.get("tolerance", Value.decimal(1, 10), d.tolerance());
    Duration interval = s.get("interval", Value.duration(), d.interval());
    Integer minSamples = s.get("min_samples", Value.integer(1, 1_000_000), d.minSamples());
    Duration queueTimeout = s.get("queue_timeout", Value.duration(), Duration.ZERO);
    Integer queueSize = s.get("queue_size", Value.integer(1, SheddingConfig.MAX_QUEUE_SIZE),
        SheddingConfig.DEFAULT_QUEUE_SIZE);
    String header = s.get("priority_header", HttpValues.HEADER, null);
    Map<String, Priority> routes = routes(s);
    s.rejectUnknown();
    if (min != null && max != null && max < min) {
      problems.error(s.markOf("max_limit"), s.path("max_limit"), max + " (expected: >= min_limit "
          + min + ")");
    }
    if (interval != null && (interval.toMillis() < 10 || interval.toMinutes() > 1)) {
      problems.error(s.markOf("interval"), s.path("interval"), interval.toMillis()
          + "ms (expected: 10ms to 1m)");
    }
    if (queueTimeout != null && queueTimeout.toMinutes() >= 1) {
      problems.error(s.markOf("queue_timeout"), s.path("queue_timeout"), queueTimeout.toMillis()
          + "ms (expected: 0 (refuse at once) to under 1m)");
    }
    if (problems.errorCount() != before) {
      return null;
    }
    if (!enabled) {
      return Optional.empty();
    }
    return Optional.of(new SheddingConfig(
        new SheddingSettings(min, max, tolerance, interval, minSamples),
        Optional.ofNullable(header), routes, queueTimeout, queueSize));
  }

  /** {@code route_priorities: {checkout: critical, reports: sheddable}}. */
  private Map<String, Priority> routes(Section s) {
    Map<String, Priority> out = new LinkedHashMap<>();
    Optional<YamlNode> node = s.optional("route_priorities");
    if (node.isEmpty()) {
      return out;
    }
    if (!(node.get() instanceof MapNode map)) {
      problems.error(node.get().mark(), s.path("route_priorities"),
          Value.wrongType(node.get(),
              "a mapping of route names to critical, default or sheddable"));
      return out;
    }
    for (Entry e : map.entries().values()) {
      Priority p = PRIORITY.read(e.value(), s.path("route_priorities") + "." + e.key(), problems);
      if (p != null) {
        out.put(e.key(), p);
      }
    }
    return out;
  }
}
