package io.ballast.server.metrics;

import io.ballast.core.Backend;
import io.ballast.core.attempt.GrpcStatus;
import io.ballast.proxy.ProxyObserver;
import io.ballast.proxy.RequestLog;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * gRPC calls by the status their client got: {@code lb_grpc_calls_total{pool,backend,grpc_status}}
 * ({@code OK}, {@code UNAVAILABLE}, ...; {@code backend} empty when ballast answered itself).
 * A call answers HTTP 200 whatever happened, so {@code lb_requests_total} counts it as a 200:
 * this is where its failures show. Requests that are no gRPC call are not counted here.
 *
 * <p>Thread-safe: the observer methods run on event loops; the label values come from a fixed
 * set (the 17 gRPC codes, and {@code CODE_n} for others), so the series stay few.
 */
public final class GrpcMetrics implements ProxyObserver {
  private final Counter calls;

  /** Registers the gRPC metrics in {@code registry}. */
  public GrpcMetrics(PrometheusRegistry registry) {
    calls = Counter.builder()
        .name("lb_grpc_calls_total")
        .help("gRPC calls by pool, backend that answered and the gRPC status the client got")
        .labelNames("pool", "backend", "grpc_status")
        .withoutExemplars()
        .register(registry);
  }

  @Override
  public void onRequestComplete(RequestLog log) {
    if (log.grpcStatus() < 0) {
      return;
    }
    Backend b = log.backend();
    calls.labelValues(log.pool() == null ? "" : log.pool(), b == null ? "" : b.name(),
        GrpcStatus.name(log.grpcStatus())).inc();
  }
}
