package io.ballast.server.metrics;

import io.ballast.proxy.ProxyObserver;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a listener's connection limits did:
 * <ul>
 *   <li>{@code lb_listener_accepts_held_total{listener}}: times the listener reached
 *       {@code max_connections} and stopped accepting (new connections waited in the kernel's
 *       backlog); {@code lb_listener_accepts_held_seconds_total{listener}}: for how long, added
 *       when accepting resumes; {@code lb_listener_accepts_holding{listener}}: 1 while it holds. A
 *       listener that holds often or long needs a higher limit, or more instances;</li>
 *   <li>{@code lb_client_connections_request_limit_total{listener}}: connections ended after
 *       {@code max_requests_per_connection} (HTTP/1.1 {@code Connection: close}, HTTP/2
 *       GOAWAY).</li>
 * </ul>
 * A hold is logged at most once a minute per listener, with the holds since the last line.
 * Refusals at accept ({@code max_connections_per_client}) are {@link RefusalMetrics}'.
 *
 * <p>Thread-safe: the observer methods run on event loops.
 */
public final class ConnectionLimitMetrics implements ProxyObserver {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimitMetrics.class);

  private final Counter holds;
  private final Counter heldSeconds;
  private final Gauge holding;
  private final Counter requestLimit;
  private final MinuteLog lines = new MinuteLog();

  public ConnectionLimitMetrics(PrometheusRegistry registry) {
    holds = Counter.builder()
        .name("lb_listener_accepts_held_total")
        .help("Times a listener reached max_connections and held new connections in the backlog")
        .labelNames("listener")
        .withoutExemplars()
        .register(registry);
    heldSeconds = Counter.builder()
        .name("lb_listener_accepts_held_seconds_total")
        .help("Time listeners held their accepts at max_connections, added as accepting resumes")
        .labelNames("listener")
        .withoutExemplars()
        .register(registry);
    holding = Gauge.builder()
        .name("lb_listener_accepts_holding")
        .help("1 while a listener holds its accepts at max_connections")
        .labelNames("listener")
        .register(registry);
    requestLimit = Counter.builder()
        .name("lb_client_connections_request_limit_total")
        .help("Client connections ended after max_requests_per_connection (HTTP/1.1 "
            + "Connection: close, HTTP/2 GOAWAY)")
        .labelNames("listener")
        .withoutExemplars()
        .register(registry);
  }

  @Override
  public void onAcceptsHeld(String listener, int open) {
    holds.labelValues(listener).inc();
    holding.labelValues(listener).set(1);
    long count = lines.count(listener);
    if (count > 0) {
      LOG.warn("listener {}: at max_connections ({} open): new connections wait in the backlog"
          + " until one closes ({} time(s) since the last such line)", listener, open, count);
    }
  }

  @Override
  public void onAcceptsResumed(String listener, long heldNanos) {
    holding.labelValues(listener).set(0);
    heldSeconds.labelValues(listener).inc(heldNanos / 1e9);
  }

  @Override
  public void onConnectionRequestLimit(String listener) {
    requestLimit.labelValues(listener).inc();
  }
}
