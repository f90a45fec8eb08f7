package io.ballast.server.metrics;

import io.ballast.proxy.ProxyObserver;
import io.ballast.proxy.tls.ClientTls;
import io.ballast.proxy.tls.ServerCertificate;
import io.ballast.proxy.tls.ServerTls;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.function.Supplier;

/**
 * TLS on the client side:
 * <ul>
 *   <li>{@code lb_tls_handshakes_total{listener,protocol,cipher,server_name,resumed}}: handshakes
 *       that succeeded; {@code server_name} is the configured certificate name the client's SNI
 *       matched ({@code default} when none did), never the client's own string, so that a client
 *       cannot grow the series;
 *   <li>{@code lb_tls_handshake_failures_total{listener,reason}}: handshakes that failed, by
 *       {@link io.ballast.proxy.tls.HandshakeWatch.Listener#failure reason};
 *   <li>{@code lb_tls_certificate_expiry_timestamp_seconds{listener,certificate}}: when each
 *       served certificate expires (its first name), read at scrape time, for an alert rule.
 * </ul>
 *
 * <p>Thread-safe; the observer methods are non-blocking (a counter increment).
 */
public final class TlsMetrics implements ProxyObserver {
  private final Counter handshakes;
  private final Counter failures;

  /** @param served every TLS listener's certificates by listener name, read at each scrape */
  public TlsMetrics(PrometheusRegistry registry, Supplier<Map<String, ServerTls>> served) {
    handshakes = Counter.builder()
        .name("lb_tls_handshakes_total")
        .help("Client TLS handshakes that succeeded")
        .labelNames("listener", "protocol", "cipher", "server_name", "resumed")
        .register(registry);
    failures = Counter.builder()
        .name("lb_tls_handshake_failures_total")
        .help("Client TLS handshakes that failed, by reason: not_tls, unknown_sni, timeout,"
            + " client_certificate, closed, protocol")
        .labelNames("listener", "reason")
        .register(registry);
    GaugeWithCallback.builder()
        .name("lb_tls_certificate_expiry_timestamp_seconds")
        .help("When a served certificate expires, in Unix seconds")
        .labelNames("listener", "certificate")
        .callback(cb -> served.get().forEach((listener, tls) -> {
          for (ServerCertificate c : tls.certificates()) {
            cb.call(c.notAfter().getEpochSecond(), listener, c.names().get(0));
          }
        }))
        .register(registry);
  }

  @Override
  public void onTlsHandshake(String listener, ClientTls tls) {
    handshakes.labelValues(listener, tls.protocol(), tls.cipher(),
        tls.serverName() == null ? "default" : tls.serverName(),
        tls.resumed() ? "true" : "false").inc();
  }

  @Override
  public void onTlsHandshakeFailure(String listener, String reason) {
    failures.labelValues(listener, reason).inc();
  }
}
