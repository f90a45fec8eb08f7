package io.ballast.server;

import io.ballast.proxy.mirror.AsideProbes;
import io.ballast.proxy.mirror.Mirror;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code lb_auto_probe_copies_total{pool,outcome}}: the copies of requests auto sent to probe the
 * backends it shuns ({@link AsideProbes}), by what became of each (sent, 2xx, 3xx, 4xx, 5xx,
 * connect_failed, timeout, reset, dropped_over_limit, dropped_no_backend). A pool replaced by a
 * reload adds to the same series while its copies end. Stateless.
 */
final class ProbeCopyMetrics {
  /** The outcome labels, in the order of {@link #byPool}'s counters. */
  private static final String[] OUTCOMES = {"sent", "2xx", "3xx", "4xx", "5xx", "connect_failed",
      "timeout", "reset", "dropped_over_limit", "dropped_no_backend"};

  private ProbeCopyMetrics() {}

  static void register(PrometheusRegistry registry, AsideProbes probes) {
    CounterWithCallback.builder()
        .name("lb_auto_probe_copies_total")
        .help("Copies of requests sent to probe a backend auto shuns, by what became of them")
        .labelNames("pool", "outcome")
        .callback(cb -> {
          for (Map.Entry<String, long[]> e : byPool(probes.stats()).entrySet()) {
            long[] v = e.getValue();
            for (int i = 0; i < OUTCOMES.length; i++) {
              cb.call(v[i], e.getKey(), OUTCOMES[i]);
            }
          }
        })
        .register(registry);
  }

  /** The counters summed by pool name (a pool and its predecessor before a reload share one). */
  private static Map<String, long[]> byPool(List<Map.Entry<String, Mirror.Stats>> stats) {
    Map<String, long[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, Mirror.Stats> e : stats) {
      Mirror.Stats s = e.getValue();
      long[] add = {s.sent(), s.completed2xx(), s.completed3xx(), s.completed4xx(),
          s.completed5xx(), s.failedConnect(), s.failedTimeout(), s.failedReset(),
          s.droppedOverLimit(), s.droppedNoBackend()};
      long[] sum = out.computeIfAbsent(e.getKey(), k -> new long[add.length]);
      for (int i = 0; i < add.length; i++) {
        sum[i] += add[i];
      }
    }
    return out;
  }
}
