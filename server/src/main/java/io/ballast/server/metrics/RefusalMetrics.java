package io.ballast.server.metrics;

import io.ballast.proxy.ProxyObserver;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What ballast refused before routing:
 * <ul>
 *   <li>request heads: {@code lb_requests_refused_total{listener,status,reason}}, {@code reason}
 *       the refusal's kind from a fixed set ({@code malformed request: obsolete line folding in
 *       header section}, {@code repeated host}, {@code request head not complete within the
 *       request head timeout}, ...; Netty's own findings are all {@code malformed request}). Every
 *       reason and its status is listed in docs/protection.md. A sudden rise of one reason from
 *       many clients is usually an attack or a broken client release; the refused requests are
 *       also in {@code lb_requests_total} by status and, with their full reason, in the access
 *       log;</li>
 *   <li>connections closed as they were accepted:
 *       {@code lb_client_connections_refused_total{listener,reason}} ({@code access_list}: the
 *       listener's access list refuses the address), logged at a bounded rate: one line per
 *       listener and reason a minute, with the count since the last line, so that a flood of
 *       refused connections cannot flood the log.</li>
 * </ul>
 *
 * <p>Thread-safe: the observer methods run on event loops; label values come from fixed sets.
 */
public final class RefusalMetrics implements ProxyObserver {
  private static final Logger LOG = LoggerFactory.getLogger(RefusalMetrics.class);
  private static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final Counter refused;
  private final Counter connections;
  /** Per "listener reason": when its last line was logged, and what came since. */
  private final ConcurrentHashMap<String, long[]> lastLogged = new ConcurrentHashMap<>();

  public RefusalMetrics(PrometheusRegistry registry) {
    refused = Counter.builder()
        .name("lb_requests_refused_total")
        .help("Request heads ballast refused before routing (malformed, smuggling-prone, over a "
            + "limit, too slow), by listener, status answered and reason")
        .labelNames("listener", "status", "reason")
        .withoutExemplars()
        .register(registry);
    connections = Counter.builder()
        .name("lb_client_connections_refused_total")
        .help("Client connections closed as they were accepted, by reason")
        .labelNames("listener", "reason")
        .withoutExemplars()
        .register(registry);
  }

  @Override
  public void onRequestRefused(String listener, int status, String reason) {
    refused.labelValues(listener, Integer.toString(status), reason).inc();
  }

  @Override
  public void onClientConnectionRefused(String listener, String reason) {
    connections.labelValues(listener, reason).inc();
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
