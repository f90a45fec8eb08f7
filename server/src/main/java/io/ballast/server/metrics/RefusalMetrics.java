package io.ballast.server.metrics;

import io.ballast.proxy.ProxyObserver;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Request heads ballast refused before routing them:
 * {@code lb_requests_refused_total{listener,status,reason}}, {@code reason} the refusal's kind
 * from a fixed set ({@code malformed request: obsolete line folding in header section},
 * {@code repeated host}, {@code request head not complete within the request head timeout}, ...;
 * Netty's own findings are all {@code malformed request}). Every reason and its status is listed
 * in docs/protection.md. A sudden rise of one reason from many clients is usually an attack or a
 * broken client release; the refused requests are also in {@code lb_requests_total} by status
 * and, with their full reason, in the access log.
 *
 * <p>Thread-safe: the observer method runs on event loops; label values come from a fixed set.
 */
public final class RefusalMetrics implements ProxyObserver {
  private final Counter refused;

  public RefusalMetrics(PrometheusRegistry registry) {
    refused = Counter.builder()
        .name("lb_requests_refused_total")
        .help("Request heads ballast refused before routing (malformed, smuggling-prone, over a "
            + "limit, too slow), by listener, status answered and reason")
        .labelNames("listener", "status", "reason")
        .withoutExemplars()
        .register(registry);
  }

  @Override
  public void onRequestRefused(String listener, int status, String reason) {
    refused.labelValues(listener, Integer.toString(status), reason).inc();
  }
}
