package io.ballast.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.ControlLoop;
import io.ballast.proxy.ProxyObserver;
import io.ballast.proxy.RequestLog;
import io.ballast.proxy.tunnel.TunnelEnd;
import io.ballast.server.accesslog.AccessLog;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompositeObserverTest {
  private static final RequestLog LOG = new RequestLog(0, "127.0.0.1", "GET", "/", null, "http",
      "web", null, 503, 1_000, 0, 0, "r", 0, "no backend");

  @Test
  void everyObserverSeesEveryEventEvenWhenOneThrows() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ControlLoop loop = new ControlLoop("test-control", Throwable::printStackTrace);
        ProxyMetrics metrics = new ProxyMetrics(List.of(), loop)) {
      AccessLog accessLog = new AccessLog(out, false, 16);
      ProxyObserver failing = new ProxyObserver() {
        @Override
        public void onRequestComplete(RequestLog log) {
          throw new IllegalStateException("observer failed");
        }
      };
      ProxyObserver all = CompositeObserver.of(failing, metrics, accessLog);

      assertThatThrownBy(() -> all.onRequestComplete(LOG)).hasMessage("observer failed");
      all.onClientConnectionOpened("http");
      accessLog.close();

      PromText text = new PromText(metrics.scrape());
      assertThat(text.get("lb_requests_total",
          Map.of("pool", "web", "backend", "none", "status", "503", "route", "none"))).isEqualTo(1);
      assertThat(text.get("lb_client_connections", Map.of("listener", "http"))).isEqualTo(1);
      assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"status\":503").endsWith("}\n");
    }
  }

  @Test
  void tunnelEventsReachEveryObserver() {
    try (ControlLoop loop = new ControlLoop("test-control", Throwable::printStackTrace);
        ProxyMetrics metrics = new ProxyMetrics(List.of(), loop)) {
      TunnelMetrics tunnels = new TunnelMetrics(metrics.registry());
      ProxyObserver failing = new ProxyObserver() {
        @Override
        public void onTunnelBytes(String pool, boolean fromClient, int bytes) {
          if (fromClient) {
            throw new IllegalStateException("observer failed");
          }
        }
      };
      ProxyObserver all = CompositeObserver.of(failing, metrics, tunnels);

      all.onTunnelOpened("chat");
      all.onTunnelOpened("chat");
      assertThatThrownBy(() -> all.onTunnelBytes("chat", true, 100))
          .hasMessage("observer failed");
      all.onTunnelBytes("chat", false, 4000);
      all.onTunnelClosed("chat", TunnelEnd.BACKEND_CLOSED);

      PromText text = new PromText(metrics.scrape());
      assertThat(text.get("lb_tunnels_open", Map.of("pool", "chat"))).isEqualTo(1);
      assertThat(text.get("lb_tunnel_bytes_total",
          Map.of("pool", "chat", "direction", "client_to_backend"))).isEqualTo(100);
      assertThat(text.get("lb_tunnel_bytes_total",
          Map.of("pool", "chat", "direction", "backend_to_client"))).isEqualTo(4000);
      assertThat(text.get("lb_tunnels_closed_total",
          Map.of("pool", "chat", "reason", "backend_closed"))).isEqualTo(1);
    }
  }

  @Test
  void collapsesTrivialCases() {
    ProxyObserver one = new ProxyObserver() {};
    assertThat(CompositeObserver.of()).isSameAs(ProxyObserver.NONE);
    assertThat(CompositeObserver.of(ProxyObserver.NONE, one)).isSameAs(one);
    assertThat(CompositeObserver.of(one, one)).isInstanceOf(CompositeObserver.class);
  }
}
