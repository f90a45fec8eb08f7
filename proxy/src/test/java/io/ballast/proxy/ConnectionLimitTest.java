package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.proxy.client.Cidr;
import io.ballast.proxy.limits.ListenerLimits;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A listener's connection limits with real sockets through the real proxy: at
 * {@code maxConnections} the listener stops accepting and a new connection waits in the backlog
 * until one closes; one more connection than {@code maxConnectionsPerClient} from an address is
 * closed at accept, and its slot comes back when one closes; a trusted proxy is not limited.
 */
class ConnectionLimitTest {
  private static final String GET = "GET /name HTTP/1.1\r\nHost: x\r\n\r\n";
  private static final int NONE = ListenerLimits.NONE;

  private static Socket served(ProxyFixture f) throws Exception {
    Socket s = f.socket();
    ProxyFixture.send(s, GET);
    assertThat(ProxyFixture.readResponse(s.getInputStream())).startsWith("HTTP/1.1 200");
    return s;
  }


  @Test
  void atMaxConnectionsANewConnectionWaitsInTheBacklogUntilOneCloses() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1)) {
      f.proxy.listener("main").replaceLimits(new ListenerLimits(3, NONE, NONE));
      List<Socket> open = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          open.add(served(f));
        }
        await().until(() -> f.connectionEvents.contains("held 3"));
        // The kernel completes the connection into the backlog; ballast does not take it.
        try (Socket waiting = f.socket()) {
          ProxyFixture.send(waiting, GET);
          InputStream in = waiting.getInputStream();
          waiting.setSoTimeout(700);
          assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);
          long freed = System.nanoTime();
          open.remove(0).close();
          waiting.setSoTimeout(5000);
          assertThat(ProxyFixture.readResponse(in)).startsWith("HTTP/1.1 200");
          assertThat(Duration.ofNanos(System.nanoTime() - freed)).isLessThan(Duration.ofSeconds(2));
        }
        await().until(() -> f.connectionEvents.contains("resumed"));
        // Three open again (the two kept and a new one; the one that waited held accepts too,
        // until it closed): held a third time.
        open.add(served(f));
        await().until(() -> f.connectionEvents.stream().filter("held 3"::equals).count() == 3);
        // A higher limit (a reload) lets accepting go on at once.
        f.proxy.listener("main").replaceLimits(new ListenerLimits(10, NONE, NONE));
        open.add(served(f));
        assertThat(f.connectionEvents).doesNotContain("refused max_connections_per_client");
      } finally {
        for (Socket s : open) {
          s.close();
        }
      }
    }
  }

  @Test
  void onePerClientConnectionTooManyIsClosedAtAcceptAndItsSlotComesBack() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1)) {
      f.proxy.listener("main").replaceLimits(new ListenerLimits(NONE, 2, NONE));
      int before = f.requestsReceived();
      Socket b = served(f);
      try (Socket a = served(f)) {
        try (Socket third = f.socket()) {
          // Closed before a byte is read: no answer, no request reaches the backend.
          assertThat(third.getInputStream().read()).isEqualTo(-1);
        }
        await().until(() -> f.connectionEvents.contains("refused max_connections_per_client"));
        assertThat(f.requestsReceived()).isEqualTo(before + 2);
        // The kept connections go on.
        ProxyFixture.send(a, GET);
        assertThat(ProxyFixture.readResponse(a.getInputStream())).startsWith("HTTP/1.1 200");
        b.close();
        // Its slot is back once the close is seen.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
          try (Socket again = served(f)) {
            assertThat(again.isConnected()).isTrue();
          }
        });
      }
    }
  }

  @Test
  void aTrustedProxyIsNotLimitedPerClient() throws Exception {
    ProxySettings trusting = ProxySettings.defaults().withForwarding(
        new ProxySettings.Forwarding(true, false, List.of(Cidr.parse("127.0.0.1")),
            "X-Request-Id"));
    try (ProxyFixture f = new ProxyFixture(trusting, Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, 1)) {
      f.proxy.listener("main").replaceLimits(new ListenerLimits(NONE, 1, NONE));
      try (Socket a = served(f); Socket b = served(f); Socket c = served(f)) {
        assertThat(f.connectionEvents).isEmpty();
      }
    }
  }
}
