package io.ballast.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.Backend;
import io.ballast.core.ControlLoop;
import io.ballast.core.Rng;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import io.ballast.proxy.ProxyObserver;
import io.ballast.proxy.tcp.TcpConnectionLog;
import io.ballast.proxy.tcp.TcpEnd;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The TCP listeners' metrics, through the composite observer the proxy calls. */
class TcpMetricsTest {
  private final Backend r1 = new Backend("r1", "127.0.0.1", 6379, 1);
  private final Backend r2 = new Backend("r2", "127.0.0.1", 6380, 1);

  private static TcpConnectionLog closed(Backend b, List<Backend> tried, TcpEnd end) {
    return new TcpConnectionLog(0, "127.0.0.1", 40000, "redis", "cache", null, b, tried, 10, 20, 1000,
        5000, end, null);
  }

  @Test
  void countsOpenConnectionsBytesEndsAndConnectFailuresAndForgetsAGoneBackend() {
    try (ControlLoop loop = new ControlLoop("test-control", Throwable::printStackTrace);
        ProxyMetrics metrics = new ProxyMetrics(List.of(), loop)) {
      TcpMetrics tcp = new TcpMetrics(metrics.registry());
      ProxyObserver all = CompositeObserver.of(metrics, tcp);
      all.onTcpConnectFailed("redis", "cache", r1, "connect refused");
      all.onTcpConnectionOpened("redis", "cache", r2);
      all.onTcpConnectionOpened("redis", "cache", r1);
      all.onTcpBytes("redis", r2, true, 10);
      all.onTcpBytes("redis", r2, false, 20);
      all.onTcpConnectionClosed(closed(r2, List.of(r1, r2), TcpEnd.BACKEND_CLOSED));
      all.onTcpConnectionClosed(closed(null, List.of(r1), TcpEnd.CONNECT_FAILED));

      PromText text = new PromText(metrics.scrape());
      Map<String, String> onR2 = Map.of("listener", "redis", "pool", "cache", "backend", "r2");
      assertThat(text.get("lb_tcp_connections_open", onR2)).isZero();
      assertThat(text.get("lb_tcp_connections_open", Map.of("listener", "redis", "pool", "cache",
          "backend", "r1"))).isEqualTo(1);
      assertThat(text.get("lb_tcp_bytes_total", Map.of("listener", "redis", "pool", "cache",
          "backend", "r2", "direction", "client_to_backend"))).isEqualTo(10);
      assertThat(text.get("lb_tcp_bytes_total", Map.of("listener", "redis", "pool", "cache",
          "backend", "r2", "direction", "backend_to_client"))).isEqualTo(20);
      assertThat(text.get("lb_tcp_connections_total", Map.of("listener", "redis", "pool",
          "cache", "backend", "r2", "end", "backend_closed"))).isEqualTo(1);
      assertThat(text.get("lb_tcp_connections_total", Map.of("listener", "redis", "pool",
          "cache", "backend", "none", "end", "connect_failed"))).isEqualTo(1);
      assertThat(text.get("lb_tcp_connect_failures_total", Map.of("listener", "redis", "pool",
          "cache", "backend", "r1", "reason", "refused"))).isEqualTo(1);

      // r2 leaves its pool for good: its series go; r1, still a member, keeps its own.
      LoadBalancer pool = new LoadBalancer("cache", List.of(r1), Algorithm.ROUND_ROBIN,
          HealthSettings.PASSIVE_ONLY, loop, Rng.seeded(1), PoolListener.NONE);
      tcp.onMemberGone(pool, r2);
      tcp.onMemberGone(pool, r1);
      text = new PromText(metrics.scrape());
      assertThat(text.value("lb_tcp_connections_open", onR2)).isEmpty();
      assertThat(text.value("lb_tcp_connections_total", Map.of("listener", "redis", "pool",
          "cache", "backend", "r2", "end", "backend_closed"))).isEmpty();
      assertThat(text.get("lb_tcp_connect_failures_total", Map.of("listener", "redis", "pool",
          "cache", "backend", "r1", "reason", "refused"))).isEqualTo(1);
    }
  }
}
