package io.ballast.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.ControlLoop;
import io.ballast.core.Rng;
import io.ballast.core.Scheduler;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.proxy.RequestLog;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProxyMetricsTest {
  private final ControlLoop loop = new ControlLoop("test-control", Throwable::printStackTrace);
  private final Backend b1 = new Backend("b1", "127.0.0.1", 8081, 1);
  private final Backend b2 = new Backend("b2", "127.0.0.1", 8082, 2);

  @AfterEach
  void stop() {
    loop.close();
  }

  static RequestLog log(String pool, Backend backend, int status, long nanos) {
    return new RequestLog(System.currentTimeMillis(), "127.0.0.1", "GET", "/", "example.test",
        "http", pool, backend, status, nanos, 0, 10, "rid", backend == null ? 0 : 1, null);
  }

  /** Metrics first, then the pool that reports to them, then the pool handed back. */
  private static LoadBalancer pool(ProxyMetrics metrics, Scheduler scheduler, Backend... bs) {
    LoadBalancer pool = new LoadBalancer("web", List.of(bs), Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, scheduler, Rng.seeded(1), metrics);
    metrics.setPools(List.of(pool));
    return pool;
  }

  @Test
  void countsRequestsByPoolBackendAndStatus() {
    try (ProxyMetrics metrics = new ProxyMetrics(List.of(), loop)) {
      pool(metrics, loop, b1, b2);
      metrics.onRequestComplete(log("web", b1, 200, 2_000_000));
      metrics.onRequestComplete(log("web", b1, 200, 3_000_000));
      metrics.onRequestComplete(log("web", b2, 502, 40_000_000));
      metrics.onRequestComplete(log("web", null, 503, 100_000));
      metrics.onRequestComplete(log(null, null, 404, 100_000));
      metrics.onRequestComplete(log("web", b2, 0, 7_000_000_000L));

      PromText text = new PromText(metrics.scrape());
      assertThat(text.get("lb_requests_total", Map.of("pool", "web", "backend", "b1", "status", "200", "route", "none")))
          .isEqualTo(2);
      assertThat(text.get("lb_requests_total", Map.of("pool", "web", "backend", "b2", "status", "502", "route", "none")))
          .isEqualTo(1);
      assertThat(text.get("lb_requests_total", Map.of("pool", "web", "backend", "none", "status", "503", "route", "none")))
          .isEqualTo(1);
      assertThat(text.get("lb_requests_total", Map.of("pool", "none", "backend", "none", "status", "404", "route", "none")))
          .isEqualTo(1);
      assertThat(text.get("lb_requests_total", Map.of("pool", "web", "backend", "b2", "status", "0", "route", "none")))
          .isEqualTo(1);
      assertThat(text.value("lb_requests_total", Map.of("pool", "web", "backend", "b1", "status", "502", "route", "none")))
          .isEmpty();

      // Classic buckets, cumulative: b1 answered in 2 ms and 3 ms.
      Map<String, String> b1Labels = Map.of("pool", "web", "backend", "b1");
      assertThat(text.get("lb_response_time_seconds_bucket", with(b1Labels, "le", "0.001")))
          .isEqualTo(0);
      assertThat(text.get("lb_response_time_seconds_bucket", with(b1Labels, "le", "0.0025")))
          .isEqualTo(1);
      assertThat(text.get("lb_response_time_seconds_bucket", with(b1Labels, "le", "0.005")))
          .isEqualTo(2);
      assertThat(text.get("lb_response_time_seconds_bucket", with(b1Labels, "le", "+Inf")))
          .isEqualTo(2);
      assertThat(text.get("lb_response_time_seconds_count", b1Labels)).isEqualTo(2);
      assertThat(text.get("lb_response_time_seconds_sum", b1Labels)).isCloseTo(0.005,
          org.assertj.core.data.Offset.offset(1e-9));
      Map<String, String> b2Labels = Map.of("pool", "web", "backend", "b2");
      assertThat(text.get("lb_response_time_seconds_bucket", with(b2Labels, "le", "10.0")))
          .isEqualTo(2);
      assertThat(text.get("lb_response_time_seconds_bucket", with(b2Labels, "le", "5.0")))
          .isEqualTo(1);
    }
  }

  @Test
  void readsLoadGaugesAtScrapeTime() {
    try (ProxyMetrics metrics = new ProxyMetrics(List.of(), loop)) {
      pool(metrics, loop, b1, b2);
      b1.load().connectionOpened();
      b1.load().connectionOpened();
      b1.load().start();
      metrics.onClientConnectionOpened("http");
      metrics.onClientConnectionOpened("http");
      metrics.onClientConnectionOpened("admin-test");
      metrics.onClientConnectionClosed("http");

      PromText text = new PromText(metrics.scrape());
      Map<String, String> b1Labels = Map.of("pool", "web", "backend", "b1");
      Map<String, String> b2Labels = Map.of("pool", "web", "backend", "b2");
      assertThat(text.get("lb_active_connections", b1Labels)).isEqualTo(2);
      assertThat(text.get("lb_active_connections", b2Labels)).isEqualTo(0);
      assertThat(text.get("lb_backend_requests_in_flight", b1Labels)).isEqualTo(1);
      assertThat(text.get("lb_client_connections", Map.of("listener", "http"))).isEqualTo(1);
      assertThat(text.get("lb_client_connections", Map.of("listener", "admin-test"))).isEqualTo(1);

      b1.load().complete(true, 1_000);
      b1.load().connectionClosed();
      text = new PromText(metrics.scrape());
      assertThat(text.get("lb_active_connections", b1Labels)).isEqualTo(1);
      assertThat(text.get("lb_backend_requests_in_flight", b1Labels)).isEqualTo(0);
    }
  }

  @Test
  void followsHealthAndAdminStateChangesFromTheControlLoop() {
    try (ProxyMetrics metrics = new ProxyMetrics(List.of(), loop)) {
      LoadBalancer pool = pool(metrics, loop, b1, b2);
      Map<String, String> b1Labels = Map.of("pool", "web", "backend", "b1");
      PromText before = new PromText(metrics.scrape());
      assertThat(before.get("lb_backend_health", b1Labels)).isEqualTo(1);
      assertThat(before.get("lb_backend_health_state", with(b1Labels, "state", "healthy")))
          .isEqualTo(1);
      assertThat(before.get("lb_backend_health_state", with(b1Labels, "state", "unhealthy")))
          .isEqualTo(0);

      pool.reportConnectFailure(b1, "connection refused");
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        PromText text = new PromText(metrics.scrape());
        assertThat(text.get("lb_backend_health", b1Labels)).isEqualTo(0);
        assertThat(text.get("lb_backend_available", b1Labels)).isEqualTo(0);
        assertThat(text.get("lb_backend_health_state", with(b1Labels, "state", "healthy")))
            .isEqualTo(0);
        assertThat(text.get("lb_backend_health_state", with(b1Labels, "state", "unhealthy")))
            .isEqualTo(1);
        assertThat(text.get("lb_health_transitions_total",
            with(with(b1Labels, "from", "healthy"), "to", "unhealthy"))).isEqualTo(1);
      });

      pool.setAdminState(b2, AdminState.DRAINING, "operator");
      Map<String, String> b2Labels = Map.of("pool", "web", "backend", "b2");
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        PromText text = new PromText(metrics.scrape());
        // Draining is not a health problem: still healthy, but no longer available.
        assertThat(text.get("lb_backend_health", b2Labels)).isEqualTo(1);
        assertThat(text.get("lb_backend_available", b2Labels)).isEqualTo(0);
        assertThat(text.get("lb_backend_admin_state", with(b2Labels, "state", "draining")))
            .isEqualTo(1);
        assertThat(text.get("lb_backend_admin_state", with(b2Labels, "state", "active")))
            .isEqualTo(0);
      });
    }
  }

  @Test
  void errorRateFollowsTheRecentWindow() {
    ManualScheduler clock = new ManualScheduler();
    try (ProxyMetrics metrics = new ProxyMetrics(List.of(), clock, Duration.ofSeconds(10))) {
      pool(metrics, clock, b1, b2);
      Map<String, String> b1Labels = Map.of("pool", "web", "backend", "b1");
      clock.advance(Duration.ofSeconds(1));
      assertThat(errorRate(metrics, b1Labels)).isEqualTo(0);

      // 10 requests of which 4 failed, in the first seconds.
      for (int i = 0; i < 10; i++) {
        b1.load().start();
        b1.load().complete(i >= 4, 1_000_000);
      }
      clock.advance(Duration.ofSeconds(1));
      assertThat(errorRate(metrics, b1Labels)).isEqualTo(0.4);

      // 10 more, all good: 4 failures of 20 within the window.
      for (int i = 0; i < 10; i++) {
        b1.load().start();
        b1.load().complete(true, 1_000_000);
      }
      clock.advance(Duration.ofSeconds(1));
      assertThat(errorRate(metrics, b1Labels)).isEqualTo(0.2);

      // Once the failures are older than the window, only the good requests count.
      for (int s = 0; s < 9; s++) {
        clock.advance(Duration.ofSeconds(1));
      }
      assertThat(errorRate(metrics, b1Labels)).isEqualTo(0);
      assertThat(errorRate(metrics, Map.of("pool", "web", "backend", "b2"))).isEqualTo(0);
    }
    // close() cancelled the harvest timer.
    assertThat(clock.pending()).isZero();
  }

  @Test
  void requestPathAllocatesNothingOnceWarm() {
    java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
    assertThat(bean).isInstanceOf(com.sun.management.ThreadMXBean.class);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
    try (ProxyMetrics metrics = new ProxyMetrics(List.of(), loop)) {
      pool(metrics, loop, b1, b2);
      RequestLog[] logs = {
        log("web", b1, 200, 1_200_000), log("web", b2, 200, 30_000_000),
        log("web", b1, 404, 500_000), log("web", null, 503, 80_000)
      };
      // Rounds of the same method, so that the measured code is JIT-compiled as on a busy
      // proxy; the best round shows the steady state without interpreter or OSR noise. On a
      // loaded machine the compiler may need more rounds to get there: up to 30, stopping at
      // the first round that allocates nothing.
      int n = 200_000;
      int rounds = 0;
      double bestBytes = Double.MAX_VALUE;
      double bestNanos = Double.MAX_VALUE;
      while (rounds < 30 && !(rounds >= 8 && bestBytes < 1)) {
        rounds++;
        long id = Thread.currentThread().getId();
        long bytesBefore = threads.getThreadAllocatedBytes(id);
        long start = System.nanoTime();
        feed(metrics, logs, n);
        long nanos = System.nanoTime() - start;
        long bytes = threads.getThreadAllocatedBytes(id) - bytesBefore;
        bestBytes = Math.min(bestBytes, (double) bytes / n);
        bestNanos = Math.min(bestNanos, (double) nanos / n);
      }
      System.out.printf("ProxyMetrics.onRequestComplete: %.1f ns/op, %.3f bytes/op%n",
          bestNanos, bestBytes);
      // One object per request would be >= 16 B/op.
      assertThat(bestBytes).isLessThan(16.0);
      PromText text = new PromText(metrics.scrape());
      assertThat(text.get("lb_requests_total", Map.of("pool", "web", "backend", "b1", "status", "200", "route", "none")))
          .isEqualTo(rounds * n / 4.0);
    }
  }

  private static void feed(ProxyMetrics metrics, RequestLog[] logs, int n) {
    for (int i = 0; i < n; i++) {
      metrics.onRequestComplete(logs[i & 3]);
    }
  }

  private static double errorRate(ProxyMetrics metrics, Map<String, String> labels) {
    return new PromText(metrics.scrape()).get("lb_error_rate", labels);
  }

  static Map<String, String> with(Map<String, String> labels, String key, String value) {
    Map<String, String> copy = new java.util.HashMap<>(labels);
    copy.put(key, value);
    return Map.copyOf(copy);
  }
}
