package io.ballast.proxy.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.Backend;
import io.ballast.core.ControlLoop;
import io.ballast.core.Rng;
import io.ballast.core.Ticker;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.retry.RetrySettings;
import io.ballast.proxy.client.HashKey;
import io.ballast.proxy.limits.ListenerLimits;
import io.ballast.proxy.routing.PoolRef;
import io.ballast.proxy.tunnel.TunnelEnd;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The values of the TCP listeners: what they refuse at construction, and how ends map. */
class TcpListenerSpecTest {
  private final ControlLoop control = new ControlLoop("spec-test", Throwable::printStackTrace);
  private final LoadBalancer pool = new LoadBalancer("cache",
      List.of(new Backend("a", "127.0.0.1", 9001, 1)), Algorithm.RING_HASH,
      HealthSettings.PASSIVE_ONLY, control, Rng.seeded(1), PoolListener.NONE);
  private final RetryPolicy retry = new RetryPolicy(RetrySettings.DEFAULTS, Ticker.SYSTEM);
  private final InetSocketAddress bind = new InetSocketAddress("127.0.0.1", 0);

  @AfterEach
  void stop() {
    control.close();
  }

  @Test
  void aSpecRefusesWhatATcpConnectionCannotHave() {
    PoolRef byHeader = new PoolRef(pool, retry, new HashKey.Header("X-User"), null);
    assertThatThrownBy(() -> new TcpListenerSpec("t", bind, byHeader))
        .hasMessageStartingWith("pool: cache hashes on Header[name=X-User]")
        .hasMessageEndingWith("(expected: the client's address, the only key a TCP stream has)");
    PoolRef byClient = new PoolRef(pool, retry, HashKey.CLIENT_IP, null);
    assertThatThrownBy(() -> new TcpListenerSpec("t", bind, byClient, Duration.ZERO,
        Duration.ofSeconds(1), null, null))
        .hasMessage("connectTimeout: PT0S (expected: > 0)");
    TcpListenerSpec ok = new TcpListenerSpec("t", bind, byClient);
    assertThat(ok.limits()).isEqualTo(ListenerLimits.DEFAULTS);
    assertThat(ok.connectTimeout()).isEqualTo(TcpListenerSpec.DEFAULT_CONNECT_TIMEOUT);
  }

  @Test
  void aLogHasABackendExactlyWhenTheConnectionRelayed() {
    Backend b = pool.backends().get(0);
    assertThatThrownBy(() -> new TcpConnectionLog(0, "127.0.0.1", 1, "t", "cache", null, null,
        List.of(), 0, 0, -1, 0, TcpEnd.CLIENT_CLOSED, null))
        .hasMessage("backend: null with end client_closed (expected: a backend exactly when the"
            + " connection relayed)");
    assertThatThrownBy(() -> new TcpConnectionLog(0, "127.0.0.1", 1, "t", "cache", null, b,
        List.of(b), -1, 0, 1, 0, TcpEnd.CLIENT_CLOSED, null))
        .hasMessage("bytes and duration: -1, 0, 0 (expected: >= 0)");
  }

  @Test
  void everyTunnelEndHasATcpEnd() {
    for (TunnelEnd e : TunnelEnd.values()) {
      assertThat(TcpEnd.of(e).relayed()).isTrue();
    }
    assertThat(TcpEnd.of(TunnelEnd.BACKEND_RESET)).isEqualTo(TcpEnd.BACKEND_RESET);
    assertThat(TcpEnd.CONNECT_FAILED.relayed()).isFalse();
  }
}
