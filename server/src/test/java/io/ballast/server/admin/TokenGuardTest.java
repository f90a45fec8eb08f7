package io.ballast.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenGuardTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final TokenGuard guard = new TokenGuard(now::get, registry);

  private void at(double seconds) {
    now.set(1_000_000_000_000L + (long) (seconds * TimeUnit.SECONDS.toNanos(1)));
  }

  private double counter(String name) {
    return registry.scrape().stream().filter(s -> s.getMetadata().getPrometheusName()
            .equals(name.replace("_total", "")))
        .map(s -> ((CounterSnapshot) s).getDataPoints().get(0).getValue())
        .findFirst().orElseThrow();
  }

  @Test
  void theWorkedExample() throws Exception {
    InetAddress a = InetAddress.getByName("10.0.0.5");
    InetAddress other = InetAddress.getByName("10.0.0.6");
    for (int t = 0; t < 4; t++) {
      at(t);
      guard.failed(a, "POST /admin/reload");
      assertThat(guard.lockedSeconds(a)).isZero();
    }
    at(4);
    guard.failed(a, "POST /admin/reload");
    assertThat(guard.lockedSeconds(a)).isEqualTo(60);
    assertThat(guard.lockedSeconds(other)).isZero();
    at(63.5);
    assertThat(guard.lockedSeconds(a)).isEqualTo(1);
    at(64);
    assertThat(guard.lockedSeconds(a)).isZero();
    // A clean slate: four more failures do not lock it out again.
    for (int i = 0; i < 4; i++) {
      guard.failed(a, "POST /admin/reload");
    }
    assertThat(guard.lockedSeconds(a)).isZero();
    assertThat(counter("lb_admin_token_failures_total")).isEqualTo(9);
    assertThat(counter("lb_admin_lockouts_total")).isEqualTo(1);
  }

  @Test
  void fourFailuresAMinuteNeverLockOut() throws Exception {
    InetAddress a = InetAddress.getByName("::1");
    for (int minute = 0; minute < 10; minute++) {
      for (int i = 0; i < 4; i++) {
        at(minute * 60 + i);
        guard.failed(a, "DELETE /admin/pools/p/backends/b");
      }
      assertThat(guard.lockedSeconds(a)).isZero();
    }
  }

  @Test
  void rotatingAddressesStayWithinTheBound() throws Exception {
    byte[] ip = {10, 0, 0, 0};
    for (int i = 0; i < 3 * TokenGuard.MAX_ADDRESSES; i++) {
      ip[1] = (byte) (i >> 16);
      ip[2] = (byte) (i >> 8);
      ip[3] = (byte) i;
      guard.failed(InetAddress.getByAddress(ip), "POST /admin/reload");
    }
    assertThat(guard.tracked()).isLessThanOrEqualTo(TokenGuard.MAX_ADDRESSES);
    assertThat(counter("lb_admin_token_failures_total")).isEqualTo(3 * TokenGuard.MAX_ADDRESSES);
  }

  @Test
  void twoGuardsOnOneRegistryShareItsCounters() throws Exception {
    TokenGuard second = new TokenGuard(now::get, registry);
    second.failed(InetAddress.getByName("10.0.0.7"), "POST /admin/reload");
    guard.failed(InetAddress.getByName("10.0.0.7"), "POST /admin/reload");
    assertThat(counter("lb_admin_token_failures_total")).isEqualTo(2);
  }
}
