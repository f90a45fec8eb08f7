package io.ballast.server.metrics;

import io.ballast.proxy.ProxyObserver;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What ballast refused itself:
 * <ul>
 *   <li>requests: {@code lb_requests_refused_total{listener,status,reason}}, {@code reason}
 *       the refusal's kind from a fixed set ({@code malformed request: obsolete line folding in
 *       header section}, {@code repeated host}, {@code request head not complete within the
 *       request head timeout}, ...; Netty's own findings are all {@code malformed request}). Every
 *       reason and its status is listed in docs/protection.md. A sudden rise of one reason from
 *       many clients is usually an attack or a broken client release; the refused requests are
 *       also in {@code lb_requests_total} by status and, with their full reason, in the access
 *       log;</li>
 *   <li>connections closed as they were accepted:
 *       {@code lb_client_connections_refused_total{listener,reason}} ({@code access_list}: the
 *       listener's access list refuses the address; {@code max_connections_per_client}: the
 *       address has as many open as the listener allows), logged at a bounded rate: one line per
 *       listener and reason a minute, with the count since the last line, so that a flood of
 *       refused connections cannot flood the log.</li>
 * </ul>
 *
 * <p>Thread-safe: the observer methods run on event loops; label values come from fixed sets.
 */
public final class RefusalMetrics implements ProxyObserver {
  private static final Logger LOG = LoggerFactory.getLogger(RefusalMetrics.class);

  private final Counter refused;
  private final Counter connections;
  /** A line per listener and reason a minute at most. */
  private final MinuteLog lines = new MinuteLog();

  public RefusalMetrics(PrometheusRegistry registry) {
    refused = Counter.builder()
        .name("lb_requests_refused_total")
        .help("Requests ballast refused itself: heads (malformed, smuggling-prone, over a limit, "
            + "too slow) and bodies (over the route's limit, too slow), by listener, status "
            + "answered and reason")
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
    long count = lines.count(listener + " " + reason);
    if (count > 0) {
      LOG.warn("listener {}: {} client connection(s) refused ({}) since the last such line",
          listener, count, reason);
    }
  }
}
