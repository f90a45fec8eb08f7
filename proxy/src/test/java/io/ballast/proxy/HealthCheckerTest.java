package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import io.ballast.core.LoadBalancer;
import io.ballast.core.pick.Algorithm;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthCheckerTest {

  @Test
  void marksABackendDownOnBadStatusAndUpAgain() throws Exception {
    LoadBalancer.HealthSettings health =
        new LoadBalancer.HealthSettings(2, 2, true, Duration.ofSeconds(10));
    try (ProxyFixture f = new ProxyFixture(ProxySettings.defaults(), Algorithm.ROUND_ROBIN,
        health, 1, 1);
        HealthChecker checker = f.proxy.healthChecker(f.pool,
            HealthCheckSpec.of("/health", Duration.ofMillis(50), Duration.ofMillis(500)))) {
      checker.start();
      Backend b0 = f.members.get(0);
      await().until(() -> f.backends.get(0).requests.get() >= 3);
      assertThat(f.pool.health(b0)).isEqualTo(HealthState.HEALTHY);
      assertThat(f.backends.get(0).lastHeaders.get("connection")).isEqualTo("close");

      f.backends.get(0).healthStatus = 503;
      await().atMost(Duration.ofSeconds(5)).until(() -> f.pool.health(b0) == HealthState.UNHEALTHY);
      for (int i = 0; i < 6; i++) {
        assertThat(f.get("/name").body()).isEqualTo("b1");
      }

      f.backends.get(0).healthStatus = 200;
      await().atMost(Duration.ofSeconds(5)).until(() -> f.pool.health(b0) == HealthState.HEALTHY);
      await().until(() -> f.get("/name").body().equals("b0"));
    }
  }

  @Test
  void refusedAndTimedOutProbesFail() throws Exception {
    LoadBalancer.HealthSettings health =
        new LoadBalancer.HealthSettings(1, 1, true, Duration.ofSeconds(10));
    try (ProxyFixture f = new ProxyFixture(ProxySettings.defaults(), Algorithm.ROUND_ROBIN,
        health, 1, 1);
        HealthChecker checker = f.proxy.healthChecker(f.pool,
            new HealthCheckSpec("/delay/2000", null, Duration.ofMillis(50), Duration.ofMillis(200),
                List.of(new StatusRange(200, 200))))) {
      f.backends.get(1).close();
      checker.start();
      await().atMost(Duration.ofSeconds(5)).until(() ->
          f.pool.health(f.members.get(0)) == HealthState.UNHEALTHY
              && f.pool.health(f.members.get(1)) == HealthState.UNHEALTHY);
    }
  }

  @Test
  void tcpChecksOnlyConnect() throws Exception {
    LoadBalancer.HealthSettings health =
        new LoadBalancer.HealthSettings(1, 1, true, Duration.ofSeconds(10));
    try (ProxyFixture f = new ProxyFixture(ProxySettings.defaults(), Algorithm.ROUND_ROBIN,
        health, 1, 1);
        HealthChecker checker = f.proxy.healthChecker(f.pool,
            HealthCheckSpec.tcp(Duration.ofMillis(50), Duration.ofMillis(500)))) {
      f.backends.get(1).close();
      checker.start();
      Backend b0 = f.members.get(0);
      Backend b1 = f.members.get(1);
      await().atMost(Duration.ofSeconds(5)).until(() -> f.pool.checkHistory(b0).size() >= 3
          && f.pool.health(b1) == HealthState.UNHEALTHY);
      assertThat(f.pool.health(b0)).isEqualTo(HealthState.HEALTHY);
      assertThat(f.pool.checkHistory(b0)).allMatch(c -> c.passed() && c.detail().equals("connected"));
      assertThat(f.pool.checkHistory(b1).get(0).detail()).isEqualTo("connect refused");
      // A connect-only probe sends no request.
      assertThat(f.backends.get(0).requests.get()).isZero();
    }
  }
}
