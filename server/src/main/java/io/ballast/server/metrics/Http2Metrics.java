package io.ballast.server.metrics;

import io.ballast.proxy.ProxyObserver;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * What HTTP/2 clients did that ballast ended: {@code lb_http2_errors_total{listener,scope,error}},
 * {@code scope} {@code connection} (a GOAWAY with an error: a protocol error, a flood, rapid
 * reset) or {@code stream} (an RST_STREAM: a malformed request, a stream stalled by its client),
 * {@code error} the HTTP/2 error code's name ({@code protocol_error}, {@code enhance_your_calm},
 * ...) or {@code stream_stalled}. A rising {@code enhance_your_calm} is a client abusing the
 * protocol, or one whose limits are set too low.
 *
 * <p>Thread-safe: the observer method runs on event loops; label values come from a fixed set.
 */
public final class Http2Metrics implements ProxyObserver {
  private final Counter errors;

  public Http2Metrics(PrometheusRegistry registry) {
    errors = Counter.builder()
        .name("lb_http2_errors_total")
        .help("HTTP/2 client connections (GOAWAY) and streams (RST_STREAM) ballast ended because "
            + "of what the client did, by HTTP/2 error")
        .labelNames("listener", "scope", "error")
        .withoutExemplars()
        .register(registry);
  }

  @Override
  public void onHttp2Error(String listener, boolean connection, String error) {
    errors.labelValues(listener, connection ? "connection" : "stream", error).inc();
  }
}
