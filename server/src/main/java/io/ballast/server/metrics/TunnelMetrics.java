package io.ballast.server.metrics;

import io.ballast.proxy.ProxyObserver;
import io.ballast.proxy.tunnel.TunnelEnd;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tunnels (WebSockets after their upgrade) by pool: {@code lb_tunnels_open} (gauge),
 * {@code lb_tunnel_bytes_total{direction}} ({@code client_to_backend},
 * {@code backend_to_client}), counted as the bytes cross so that an hour-long tunnel shows
 * traffic while it lives, and {@code lb_tunnels_closed_total{reason}} (the {@link TunnelEnd}
 * labels: who closed first, a reset, the idle timeout, shutdown).
 *
 * <p>Each tunnel's request also counts in {@code lb_requests_total} with status 101 when the
 * tunnel closes; its life is no response time ({@link ProxyMetrics} leaves it out of
 * {@code lb_response_time_seconds}).
 *
 * <p>Per read: one lock-free map read by pool name and a counter increment; nothing allocated
 * once a pool's series exist. Thread-safe: the observer methods run on event loops.
 */
public final class TunnelMetrics implements ProxyObserver {
  private final Counter bytes;
  private final Counter closed;
  private final Map<String, Series> byPool = new ConcurrentHashMap<>();

  /** Registers the tunnel metrics in {@code registry}. */
  public TunnelMetrics(PrometheusRegistry registry) {
    GaugeWithCallback.builder()
        .name("lb_tunnels_open")
        .help("Open tunnels (WebSockets after their upgrade) to the pool's backends")
        .labelNames("pool")
        .callback(cb -> byPool.forEach((pool, s) -> cb.call(s.open.get(), pool)))
        .register(registry);
    bytes = Counter.builder()
        .name("lb_tunnel_bytes_total")
        .help("Bytes relayed through tunnels, by direction")
        .labelNames("pool", "direction")
        .withoutExemplars()
        .register(registry);
    closed = Counter.builder()
        .name("lb_tunnels_closed_total")
        .help("Tunnels closed, by why: client_closed or backend_closed (who closed first), "
            + "client_reset, backend_reset, idle_timeout, shutdown, client_over_limit")
        .labelNames("pool", "reason")
        .withoutExemplars()
        .register(registry);
  }

  @Override
  public void onTunnelOpened(String pool) {
    series(pool).open.incrementAndGet();
  }

  @Override
  public void onTunnelBytes(String pool, boolean fromClient, int n) {
    Series s = series(pool);
    (fromClient ? s.up : s.down).inc(n);
  }

  @Override
  public void onTunnelClosed(String pool, TunnelEnd end) {
    series(pool).open.decrementAndGet();
    closed.labelValues(pool, end.label()).inc();
  }

  private Series series(String pool) {
    Series s = byPool.get(pool);
    return s != null ? s : byPool.computeIfAbsent(pool, Series::new);
  }

  /** One pool's gauge value and byte counters. */
  private final class Series {
    final AtomicLong open = new AtomicLong();
    final CounterDataPoint up;
    final CounterDataPoint down;

    Series(String pool) {
      up = bytes.labelValues(pool, "client_to_backend");
      down = bytes.labelValues(pool, "backend_to_client");
    }
  }
}
