package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.proxy.ProxySettings.ClientLimits;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Slow clients through the real proxy: a request head must end within the request head timeout
 * (408 and the close, whatever trickles in), a head may have only so many fields (431), and
 * neither limit touches a client that is merely quiet or a little slow.
 */
class SlowClientTest {
  private static final Duration HEAD_TIMEOUT = Duration.ofSeconds(1);
  private static ProxyFixture f;

  @BeforeAll
  static void start() {
    f = new ProxyFixture(ProxySettings.defaults()
        .withClientLimits(new ClientLimits(HEAD_TIMEOUT, 10)), Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, 1);
  }

  @AfterAll
  static void stop() {
    f.close();
  }


  @Test
  void aSlowlorisIsAnswered408AndClosedAtTheDeadlineWhileOthersAreServed() throws Exception {
    int before = f.requestsReceived();
    int connections = 30;
    List<Socket> slow = new ArrayList<>();
    long start = System.nanoTime();
    try {
      for (int i = 0; i < connections; i++) {
        Socket s = f.socket();
        slow.add(s);
        ProxyFixture.send(s, "GET /name HTTP/1.1\r\nHost: x\r\n");
      }
      // A header byte every 100 ms on each: the idle timeout never fires; the head never ends.
      List<Socket> open = new ArrayList<>(slow);
      int round = 0;
      while (!open.isEmpty() && System.nanoTime() - start < HEAD_TIMEOUT.toNanos() * 4) {
        for (Socket s : new ArrayList<>(open)) {
          try {
            ProxyFixture.send(s, round == 0 ? "X-Slow: " : "a");
          } catch (java.io.IOException e) {
            open.remove(s);
          }
        }
        if (round == 3) {
          // Meanwhile a normal client is served at once.
          assertThat(f.raw("GET /name HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
              .startsWith("HTTP/1.1 200");
        }
        round++;
        Thread.sleep(100);
      }
      for (Socket s : slow) {
        String answer = ProxyFixture.readToClose(s.getInputStream());
        assertThat(answer).startsWith("HTTP/1.1 408 ").contains("connection: close");
      }
      long took = System.nanoTime() - start;
      assertThat(Duration.ofNanos(took)).isLessThan(HEAD_TIMEOUT.multipliedBy(3));
      assertThat(Duration.ofNanos(took)).isGreaterThanOrEqualTo(HEAD_TIMEOUT);
    } finally {
      for (Socket s : slow) {
        s.close();
      }
    }
    // Only the normal client's request reached the backend.
    assertThat(f.requestsReceived()).isEqualTo(before + 1);
    await().until(() -> f.logs.stream().filter(l -> l.status() == 408).count() >= connections);
    assertThat(f.logs).filteredOn(l -> l.status() == 408).allSatisfy(l -> assertThat(l.error())
        .isEqualTo("request head not complete within the request head timeout"));
  }

  @Test
  void aQuietOrSlightlySlowClientIsNotCutAndTheClockRestartsPerHead() throws Exception {
    try (Socket s = f.socket()) {
      InputStream in = s.getInputStream();
      // Connected and silent for longer than the head timeout: that is the idle timeout's
      // business (60 s here), not the head's.
      Thread.sleep(HEAD_TIMEOUT.toMillis() + 300);
      // A head in pieces, well within the timeout.
      for (String piece : new String[] {"GET /na", "me HTTP/1.1\r\n", "Host: x\r\n", "\r\n"}) {
        ProxyFixture.send(s, piece);
        Thread.sleep(100);
      }
      assertThat(ProxyFixture.readResponse(in)).startsWith("HTTP/1.1 200");
      // Kept alive and quiet past the timeout, then a second request: a new head, a new clock.
      Thread.sleep(HEAD_TIMEOUT.toMillis() + 300);
      ProxyFixture.send(s, "GET /name HTTP/1.1\r\n");
      Thread.sleep(HEAD_TIMEOUT.toMillis() / 2);
      ProxyFixture.send(s, "Host: x\r\n\r\n");
      assertThat(ProxyFixture.readResponse(in)).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void tooManyHeaderFieldsGet431() throws Exception {
    int before = f.requestsReceived();
    StringBuilder ten = new StringBuilder("GET /name HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    for (int i = 0; i < 8; i++) {
      ten.append("X-").append(i).append(": v\r\n");
    }
    assertThat(f.raw(ten + "\r\n")).startsWith("HTTP/1.1 200");
    String eleven = ten + "X-8: v\r\n\r\n";
    assertThat(f.raw(eleven)).startsWith("HTTP/1.1 431 ").contains("connection: close");
    assertThat(f.requestsReceived()).isEqualTo(before + 1);
  }
}
