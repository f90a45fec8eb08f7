package io.ballast.server.metrics;

import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import io.ballast.proxy.ProxyObserver;
import io.ballast.proxy.tcp.TcpConnectionLog;
import io.ballast.proxy.tcp.TcpEnd;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The connections of TCP listeners ({@code mode: tcp}), by listener, pool and backend:
 * <ul>
 *   <li>{@code lb_tcp_connections_open} (gauge): relayed connections open now;
 *   <li>{@code lb_tcp_connections_total{end}}: connections closed, by how they ended (the
 *       {@link io.ballast.proxy.tcp.TcpEnd} labels: {@code client_closed}, {@code backend_closed},
 *       {@code idle_timeout}, {@code client_reset}, {@code backend_reset}, {@code shutdown}, and
 *       with {@code backend="none"} the ones that reached no backend: {@code connect_failed},
 *       {@code no_backend}, {@code client_left}; on a listener that routes TLS by server name
 *       also, with {@code pool="none"} as no pool was chosen, {@code not_tls},
 *       {@code client_hello_truncated}, {@code client_hello_timeout},
 *       {@code client_hello_too_large} and {@code no_route}). The server names clients ask for
 *       are in the connection log only: as a label they would be as many as clients care to
 *       invent;
 *   <li>{@code lb_tcp_bytes_total{direction}} ({@code client_to_backend},
 *       {@code backend_to_client}), counted as the bytes cross so that a long connection shows
 *       traffic while it lives;
 *   <li>{@code lb_tcp_connect_failures_total{reason}} ({@code refused}, {@code timeout},
 *       {@code other}): each failed connect, also those another backend then took over.
 * </ul>
 * The listener's client connections count in {@code lb_client_connections} as an HTTP
 * listener's do.
 *
 * <p>A backend gone from its pool for good ({@link #onMemberGone}, after its drain: its
 * connections were closed) takes its series with it, so that discovery's churn does not grow
 * the metrics without bound.
 *
 * <p>Per read: two lock-free map reads (listener, then backend) and a counter increment; nothing
 * allocated once the series exist. Thread-safe: the observer methods run on event loops,
 * {@link #onMemberGone} on the control loop.
 */
public final class TcpMetrics implements ProxyObserver, PoolListener {
  private final Counter bytes;
  private final Counter closed;
  private final Counter connectFailures;
  /** Series by listener, then backend (by identity: a backend object lives as long as it is a member). */
  private final Map<String, Map<Backend, Series>> byListener = new ConcurrentHashMap<>();

  /** Registers the TCP metrics in {@code registry}. */
  public TcpMetrics(PrometheusRegistry registry) {
    GaugeWithCallback.builder()
        .name("lb_tcp_connections_open")
        .help("Connections of TCP listeners open now, relayed to the backend")
        .labelNames("listener", "pool", "backend")
        .callback(cb -> byListener.forEach((listener, series) -> series.forEach(
            (b, s) -> cb.call(s.open.get(), listener, s.pool, b.name()))))
        .register(registry);
    bytes = Counter.builder()
        .name("lb_tcp_bytes_total")
        .help("Bytes relayed by TCP listeners, by direction")
        .labelNames("listener", "pool", "backend", "direction")
        .withoutExemplars()
        .register(registry);
    closed = Counter.builder()
        .name("lb_tcp_connections_total")
        .help("Connections of TCP listeners closed, by how they ended: client_closed,"
            + " backend_closed, idle_timeout, client_reset, backend_reset, shutdown; and, with"
            + " backend none, connect_failed, no_backend, client_left, and before a pool was"
            + " chosen by server name, not_tls, client_hello_truncated, client_hello_timeout,"
            + " client_hello_too_large, no_route")
        .labelNames("listener", "pool", "backend", "end")
        .withoutExemplars()
        .register(registry);
    connectFailures = Counter.builder()
        .name("lb_tcp_connect_failures_total")
        .help("Connects of TCP listeners to backends that failed, by reason: refused, timeout,"
            + " other (the client may have gone on to another backend)")
        .labelNames("listener", "pool", "backend", "reason")
        .withoutExemplars()
        .register(registry);
  }

  @Override
  public void onTcpConnectionOpened(String listener, String pool, Backend backend) {
    series(listener, pool, backend).open.incrementAndGet();
  }

  @Override
  public void onTcpBytes(String listener, Backend backend, boolean fromClient, int n) {
    Map<Backend, Series> m = byListener.get(listener);
    Series s = m == null ? null : m.get(backend);
    if (s != null) {
      (fromClient ? s.up : s.down).inc(n);
    }
  }

  @Override
  public void onTcpConnectFailed(String listener, String pool, Backend backend, String reason) {
    connectFailures.labelValues(listener, pool, backend.name(), reasonLabel(reason)).inc();
  }

  @Override
  public void onTcpConnectionClosed(TcpConnectionLog log) {
    Backend b = log.backend();
    Map<Backend, Series> m = b == null ? null : byListener.get(log.listener());
    Series s = m == null ? null : m.get(b);
    if (s != null) {
      s.open.decrementAndGet();
    }
    closed.labelValues(log.listener(), log.pool() == null ? ProxyMetrics.NONE : log.pool(),
        b == null ? ProxyMetrics.NONE : b.name(), log.end().label()).inc();
  }

  /** The backend left its pool for good: its series go (a backend that came back keeps them). */
  @Override
  public void onMemberGone(LoadBalancer pool, Backend backend) {
    if (pool.backend(backend.name()) != null) {
      return;
    }
    String name = backend.name();
    for (Map.Entry<String, Map<Backend, Series>> e : byListener.entrySet()) {
      Series s = e.getValue().remove(backend);
      if (s == null) {
        continue;
      }
      String listener = e.getKey();
      bytes.remove(listener, s.pool, name, "client_to_backend");
      bytes.remove(listener, s.pool, name, "backend_to_client");
      for (TcpEnd end : TcpEnd.values()) {
        closed.remove(listener, s.pool, name, end.label());
      }
      for (String reason : List.of("refused", "timeout", "other")) {
        connectFailures.remove(listener, s.pool, name, reason);
      }
    }
  }

  /** A fixed label for a connect failure's few words. */
  static String reasonLabel(String reason) {
    return switch (reason) {
      case "connect refused" -> "refused";
      case "connect timeout" -> "timeout";
      default -> "other";
    };
  }

  private Series series(String listener, String pool, Backend backend) {
    Map<Backend, Series> m = byListener.computeIfAbsent(listener, l -> new ConcurrentHashMap<>());
    Series s = m.get(backend);
    return s != null ? s : m.computeIfAbsent(backend, b -> new Series(listener, pool, b));
  }

  /** One listener's and backend's gauge value and byte counters. */
  private final class Series {
    final String pool;
    final AtomicLong open = new AtomicLong();
    final CounterDataPoint up;
    final CounterDataPoint down;

    Series(String listener, String pool, Backend backend) {
      this.pool = pool;
      up = bytes.labelValues(listener, pool, backend.name(), "client_to_backend");
      down = bytes.labelValues(listener, pool, backend.name(), "backend_to_client");
    }
  }
}
