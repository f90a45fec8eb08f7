package io.ballast.server.handover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ballast.proxy.Transport;
import io.ballast.server.Ballast;
import io.ballast.server.config.BallastConfig;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.testing.TestBackend;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The handover's conversation in one JVM: two balancers, the old one serving handovers, the new
 * one taking its sockets over. The process-level test (no refused connection under load) is
 * HandoverProcessIT.
 */
class HandoverTest {
  @TempDir Path dir;
  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void epoll() {
    Assumptions.assumeTrue(Transport.epoll(), "the handover needs epoll");
  }

  @Test
  void anAbandonedTakeOverChangesNothingAndTheNextOneMovesEverySocket() throws Exception {
    try (TestBackend backend = new TestBackend("b")) {
      Path file = dir.resolve("ballast.yaml");
      // Port 0: the new process finds the listener's socket by its name.
      Files.writeString(file, """
          listeners:
            - {name: web, bind: "127.0.0.1:0", pool: app}
            - {name: raw, mode: tcp, bind: "127.0.0.1:0", pool: app}
          pools:
            - {name: app, backends: [{address: "%s"}]}
          admin: {bind: "127.0.0.1:0"}
          # The client keeps its connection through the tcp listener open: the old process
          # drains it for this long, then closes it.
          timeouts: {drain: 1s}
          access_log: {enabled: false}
          """.formatted(backend.address()));
      BallastConfig config = ConfigLoader.load(file).orElseThrow();
      Path socket = dir.resolve("handover.sock");
      HandoverSockets oldSockets = HandoverSockets.fresh();
      Ballast old = Ballast.start(config, 1, file, oldSockets.seam());
      AtomicInteger letGo = new AtomicInteger();
      HandoverServer server = HandoverServer.start(socket, oldSockets, new HandoverServer.Owner() {
        @Override
        public void stopAccepting() {
          letGo.incrementAndGet();
          old.stopAccepting();
        }

        @Override
        public void stop() {
          old.stop();
        }
      });
      InetSocketAddress web = old.proxyAddresses().get(0);
      InetSocketAddress raw = old.proxyAddresses().get(1);
      try {
        TakeOver first = TakeOver.connect(socket);
        assertThatThrownBy(() -> TakeOver.connect(socket))
            .hasMessageContaining("another take-over is under way");
        first.abort("testing");
        first.close();
        assertThat(get(web)).isEqualTo(200);
        assertThat(get(raw)).isEqualTo(200);
        assertThat(letGo).hasValue(0);

        TakeOver second = TakeOver.connect(socket);
        Ballast next = Ballast.start(config, 1, file, second.sockets().seam());
        try {
          assertThat(next.proxyAddresses()).containsExactly(web, raw);
          assertThat(next.adminAddress()).isEqualTo(old.adminAddress());
          second.serving();
          second.close();
          assertThat(letGo).hasValue(1);
          old.awaitStopped();
          assertThat(get(web)).isEqualTo(200);
          assertThat(get(raw)).as("the tcp listener's socket moved too").isEqualTo(200);
          assertThat(Files.exists(socket)).as("the old process freed the path").isFalse();
        } finally {
          next.stop();
        }
      } finally {
        server.close();
        old.stop();
      }
    }
  }

  @Test
  void aSecondBallastCannotServeHandoversOnALivePath() throws Exception {
    Path socket = dir.resolve("handover.sock");
    HandoverServer first = HandoverServer.start(socket, HandoverSockets.fresh(), noOwner());
    try {
      assertThat(Files.getPosixFilePermissions(socket))
          .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      assertThatThrownBy(() -> HandoverServer.start(socket, HandoverSockets.fresh(), noOwner()))
          .hasMessageContaining("a process serves handovers on " + socket + " already");
    } finally {
      first.close();
    }
    assertThat(Files.exists(socket)).isFalse();
    // A file left behind by a process that was killed is not in the way.
    Files.createFile(socket);
    HandoverServer.start(socket, HandoverSockets.fresh(), noOwner()).close();
  }

  private static HandoverServer.Owner noOwner() {
    return new HandoverServer.Owner() {
      @Override
      public void stopAccepting() {
        throw new AssertionError("nothing to stop");
      }

      @Override
      public void stop() {
        throw new AssertionError("nothing to stop");
      }
    };
  }

  private int get(InetSocketAddress at) throws Exception {
    await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + at.getPort() + "/")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + at.getPort() + "/")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
