package io.ballast.proxy.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ballast.core.Backend;
import io.ballast.core.ControlLoop;
import io.ballast.core.HealthState;
import io.ballast.core.Rng;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import io.ballast.proxy.ProxyObserver;
import io.ballast.proxy.ProxyServer;
import io.ballast.proxy.ProxySettings;
import io.ballast.proxy.probe.HealthCheckSpec;
import io.ballast.proxy.probe.HealthChecker;
import io.ballast.proxy.probe.SendExpect;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** TCP checks that talk: send bytes, expect a text or a pattern back (the Redis PING check). */
class SendExpectCheckTest {
  /** Answers every line with {@code answer} and CRLF, as a Redis server answers PING. */
  private static TcpBackend.Behavior answering(String answer) {
    return (s, self) -> {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      int c;
      while ((c = in.read()) >= 0) {
        if (c == '\n') {
          out.write((answer + "\r\n").getBytes(StandardCharsets.US_ASCII));
          out.flush();
        }
      }
    };
  }

  @Test
  void aBackendThatAnswersAnythingElseIsTakenOutAndTheOtherServes() throws Exception {
    ControlLoop control = new ControlLoop("check-test", Throwable::printStackTrace);
    try (TcpBackend pong = new TcpBackend("pong", answering("+PONG"));
        TcpBackend loading = new TcpBackend("loading",
            answering("-LOADING Redis is loading the dataset in memory"));
        TcpBackend pong2 = new TcpBackend("pong2", answering("+PONG"));
        ProxyServer proxy = new ProxyServer(ProxySettings.defaults(), ProxyObserver.NONE, 1)) {
      List<Backend> members = List.of(new Backend("pong", "127.0.0.1", pong.port(), 1),
          new Backend("loading", "127.0.0.1", loading.port(), 1),
          new Backend("pong2", "127.0.0.1", pong2.port(), 1));
      LoadBalancer pool = new LoadBalancer("redis", members, Algorithm.ROUND_ROBIN,
          new HealthSettings(1, 1, true, Duration.ofSeconds(10)), control, Rng.seeded(3),
          PoolListener.NONE);
      SendExpect ping = new SendExpect("PING\r\n", "+PONG", false);
      try (HealthChecker checker = proxy.healthChecker(pool,
          HealthCheckSpec.tcp(Duration.ofMillis(100), Duration.ofMillis(300), ping))) {
        checker.start();
        await().atMost(Duration.ofSeconds(5)).until(() ->
            pool.health(members.get(0)) == HealthState.HEALTHY
                && pool.health(members.get(1)) == HealthState.UNHEALTHY
                && pool.health(members.get(2)) == HealthState.HEALTHY);
        assertThat(pool.checkHistory(members.get(0)).get(0).detail())
            .isEqualTo("answered '+PONG\\r\\n'");
        await().until(() -> !pool.available(members.get(1)));
        for (int i = 0; i < 6; i++) {
          assertThat(pool.picker().pick(io.ballast.core.PickContext.NONE))
              .isNotEqualTo(members.get(1).picked());
        }
      }
    } finally {
      control.close();
    }
  }

  @Test
  void aBackendThatNeverAnswersFailsAtTheTimeout() throws Exception {
    ControlLoop control = new ControlLoop("check-test", Throwable::printStackTrace);
    try (TcpBackend silent = new TcpBackend("silent", TcpBackend.SILENT);
        ProxyServer proxy = new ProxyServer(ProxySettings.defaults(), ProxyObserver.NONE, 1)) {
      Backend b = new Backend("silent", "127.0.0.1", silent.port(), 1);
      LoadBalancer pool = new LoadBalancer("redis", List.of(b), Algorithm.ROUND_ROBIN,
          new HealthSettings(1, 1, true, Duration.ofSeconds(10)), control, Rng.seeded(3),
          PoolListener.NONE);
      try (HealthChecker checker = proxy.healthChecker(pool, HealthCheckSpec.tcp(
          Duration.ofMillis(100), Duration.ofMillis(300),
          new SendExpect("PING\r\n", "+PONG", false)))) {
        checker.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> !pool.checkHistory(b).isEmpty());
        assertThat(pool.checkHistory(b).get(0).detail()).isEqualTo("timeout after 300 ms");
        await().atMost(Duration.ofSeconds(5)).until(() ->
            pool.health(b) == HealthState.UNHEALTHY);
      }
    } finally {
      control.close();
    }
  }

  @Test
  void aPatternMatchesAnywhereInTheAnswer() throws Exception {
    ControlLoop control = new ControlLoop("check-test", Throwable::printStackTrace);
    try (TcpBackend banner = new TcpBackend("smtp", (s, self) -> {
      s.getOutputStream().write("220 mail.test ESMTP ready\r\n".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      s.getInputStream().read();
    });
        ProxyServer proxy = new ProxyServer(ProxySettings.defaults(), ProxyObserver.NONE, 1)) {
      Backend b = new Backend("smtp", "127.0.0.1", banner.port(), 1);
      LoadBalancer pool = new LoadBalancer("smtp", List.of(b), Algorithm.ROUND_ROBIN,
          new HealthSettings(1, 1, true, Duration.ofSeconds(10)), control, Rng.seeded(3),
          PoolListener.NONE);
      // The server speaks first: nothing to send.
      SendExpect hello = new SendExpect("", "^220 .*ESMTP", true);
      try (HealthChecker checker = proxy.healthChecker(pool,
          HealthCheckSpec.tcp(Duration.ofMillis(100), Duration.ofMillis(500), hello))) {
        checker.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.checkHistory(b).size() >= 2
            && pool.health(b) == HealthState.HEALTHY);
        assertThat(pool.checkHistory(b)).allMatch(c -> c.passed());
      }
    } finally {
      control.close();
    }
  }

  @Test
  void aSpecIsCheckedAtConstruction() {
    assertThatThrownBy(() -> new SendExpect("PING\r\n", "", false))
        .hasMessage("expect: 0 characters (expected: 1..1024)");
    assertThatThrownBy(() -> new SendExpect("", "(+PONG", true))
        .hasMessageStartingWith("expect: '(+PONG' is not a regular expression");
    assertThat(new SendExpect("PING\r\n", "+PONG", false))
        .hasToString("send 'PING\\r\\n', expect '+PONG'");
  }
}
