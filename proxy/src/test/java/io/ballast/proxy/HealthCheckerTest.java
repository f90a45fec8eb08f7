package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import io.ballast.core.health.HealthLevel;
import io.ballast.core.health.HealthPolicy;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.proxy.probe.HealthCheckSpec;
import io.ballast.proxy.probe.HealthChecker;
import io.ballast.proxy.probe.StatusRange;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthCheckerTest {

  @Test
  void marksABackendDownOnBadStatusAndUpAgain() throws Exception {
    HealthSettings health =
        new HealthSettings(2, 2, true, Duration.ofSeconds(10));
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
    HealthSettings health =
        new HealthSettings(1, 1, true, Duration.ofSeconds(10));
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
    HealthSettings health =
        new HealthSettings(1, 1, true, Duration.ofSeconds(10));
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

  @Test
  void levelsProbeOnTheirOwnWithTheirMethodAndBodyCheck() throws Exception {
    HealthPolicy policy = new HealthPolicy(List.of(
        new HealthLevel("l7", 1, true, 1, 1),
        new HealthLevel("app", 1, false, 1, 1)), 100, 50);
    HealthSettings health =
        HealthSettings.levels(policy, Duration.ofSeconds(10), 0, Duration.ZERO);
    try (ProxyFixture f = new ProxyFixture(ProxySettings.defaults(), Algorithm.ROUND_ROBIN,
        health, 1, 1);
        HealthChecker checker = f.proxy.healthChecker(f.pool, List.of(
            HealthCheckSpec.http("/health", null, "HEAD", HealthCheckSpec.DEFAULT_STATUSES, null,
                Duration.ofMillis(50), Duration.ofMillis(500)),
            HealthCheckSpec.http("/health", null, "GET", HealthCheckSpec.DEFAULT_STATUSES, "ok",
                Duration.ofMillis(50), Duration.ofMillis(500))))) {
      TestBackend t0 = f.backends.get(0);
      Backend b0 = f.members.get(0);
      t0.healthBody = "all ok";
      f.backends.get(1).healthBody = "ok";
      checker.start();
      await().atMost(Duration.ofSeconds(5)).until(() -> f.pool.levels(b0).stream()
          .allMatch(l -> l.last() != null && l.last().passed()));
      assertThat(t0.healthMethods).containsExactlyInAnyOrder("HEAD", "GET");
      assertThat(f.pool.levels(b0).get(1).last().detail())
          .isEqualTo("status 200, body contains 'ok'");

      // The body no longer says ok: the app level fails, l7 (HEAD, status only) passes.
      t0.healthBody = "database unreachable";
      await().atMost(Duration.ofSeconds(5)).until(() -> f.pool.health(b0) == HealthState.DEGRADED);
      assertThat(f.pool.levels(b0).get(1).last().detail())
          .isEqualTo("body did not contain 'ok'");
      assertThat(f.pool.levels(b0).get(0).up()).isTrue();
      assertThat(f.pool.available(b0)).isTrue();

      // Only the first 64 KiB of a body are read.
      t0.healthBody = "x".repeat(HealthCheckSpec.MAX_BODY) + "ok";
      await().atMost(Duration.ofSeconds(5)).until(() -> f.pool.levels(b0).get(1).last().detail()
          .equals("body did not contain 'ok' (in its first 65536 bytes)"));
      t0.healthBody = "x".repeat(HealthCheckSpec.MAX_BODY - 2) + "ok";
      await().atMost(Duration.ofSeconds(5)).until(() -> f.pool.health(b0) == HealthState.HEALTHY);

      // The critical level fails: out.
      t0.healthStatus = 503;
      await().atMost(Duration.ofSeconds(5)).until(() -> f.pool.health(b0) == HealthState.UNHEALTHY);
      assertThat(f.pool.levels(b0).get(0).last().detail()).isEqualTo("status 503");
      for (int i = 0; i < 4; i++) {
        assertThat(f.get("/name").body()).isEqualTo("b1");
      }
    }
  }

  @Test
  void specRejectsContradictions() {
    assertThatThrownBy(() -> HealthCheckSpec.http("/h", null, "HEAD",
        HealthCheckSpec.DEFAULT_STATUSES, "ok", Duration.ofSeconds(1), Duration.ofSeconds(1)))
        .hasMessageStartingWith("bodyContains: set with method HEAD");
    assertThatThrownBy(() -> HealthCheckSpec.http("/h", null, "GE T",
        HealthCheckSpec.DEFAULT_STATUSES, null, Duration.ofSeconds(1), Duration.ofSeconds(1)))
        .hasMessageStartingWith("method: \"GE T\" (expected: an HTTP method token");
    assertThatThrownBy(() -> HealthCheckSpec.http("/h", null, "CONNECT",
        HealthCheckSpec.DEFAULT_STATUSES, null, Duration.ofSeconds(1), Duration.ofSeconds(1)))
        .hasMessageStartingWith("method: \"CONNECT\"");
  }
}
