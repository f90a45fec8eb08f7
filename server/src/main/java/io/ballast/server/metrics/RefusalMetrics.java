package io.ballast.server.metrics;

import io.ballast.proxy.ProxyObserver;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client connections ballast closed as it accepted them:
 * {@code lb_client_connections_refused_total{listener,reason}}, {@code reason} one of a fixed set
 * ({@code access_list}: the client's address is refused by the listener's access list). Logged at
 * a bounded rate: one line per listener and reason a minute, with the count since the last line,
 * so that a flood of refused connections cannot flood the log.
 *
 * <p>Thread-safe: the observer method runs on event loops.
 */
public final class RefusalMetrics implements ProxyObserver {
  private static final Logger LOG = LoggerFactory.getLogger(RefusalMetrics.class);
  private static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final Counter refused;
  /** Per "listener reason": when its last line was logged, and what came since. */
  private final ConcurrentHashMap<String, long[]> lastLogged = new ConcurrentHashMap<>();

  public RefusalMetrics(PrometheusRegistry registry) {
    refused = Counter.builder()
        .name("lb_client_connections_refused_total")
        .help("Client connections closed as they were accepted, by reason")
        .labelNames("listener", "reason")
        .withoutExemplars()
        .register(registry);
  }

  @Override
  public void onClientConnectionRefused(String listener, String reason) {
    refused.labelValues(listener, reason).inc();
    long now = System.nanoTime();
    long[] state = lastLogged.computeIfAbsent(listener + " " + reason,
        k -> new long[] {now - LOG_EVERY_NANOS, 0});
    long count;
    synchronized (state) {
      state[1]++;
      if (now - state[0] < LOG_EVERY_NANOS) {
        return;
      }
      state[0] = now;
      count = state[1];
      state[1] = 0;
    }
    LOG.warn("listener {}: {} client connection(s) refused ({}) since the last such line",
        listener, count, reason);
  }
}
