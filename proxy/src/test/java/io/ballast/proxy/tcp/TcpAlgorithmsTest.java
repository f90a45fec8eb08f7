package io.ballast.proxy.tcp;

import static io.ballast.proxy.tcp.TcpFixture.firstLine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.pick.Algorithm;
import io.ballast.core.retry.RetrySettings;
import java.net.Socket;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every algorithm serves a TCP listener through the same pickers as HTTP: connections are
 * relayed, counted in the backend's load and ended there; the non-hashing ones spread over both
 * backends, the hashing ones keep this client (one address) on one.
 */
class TcpAlgorithmsTest {
  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void everyAlgorithmBalancesConnections(Algorithm algorithm) throws Exception {
    List<TcpBackend> named = List.of(new TcpBackend("n0", TcpBackend.NAME),
        new TcpBackend("n1", TcpBackend.NAME));
    try (TcpFixture f = new TcpFixture(algorithm, RetrySettings.DEFAULTS, Duration.ofMinutes(1),
        named.get(0).port(), named.get(1).port())) {
      Set<String> reached = new HashSet<>();
      for (int i = 0; i < 24; i++) {
        try (Socket s = f.connect()) {
          reached.add(firstLine(s));
        }
        // One connection at a time, as the pickers count them: bounded-load hashing would
        // rightly spill a client whose last connection still counts on its backend.
        await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2))
            .until(() -> f.members.stream().allMatch(b -> b.load().inFlight() == 0));
      }
      if (algorithm.hashBased()) {
        assertThat(reached).hasSize(1);
      } else {
        assertThat(reached).as("%s", algorithm).containsExactlyInAnyOrder("n0", "n1");
      }
      await().until(() -> f.logs.size() == 24);
      assertThat(f.logs).allMatch(l -> l.end() == TcpEnd.CLIENT_CLOSED);
      await().until(() -> f.members.stream().allMatch(b -> b.load().inFlight() == 0));
      assertThat(f.members.get(0).load().requests() + f.members.get(1).load().requests())
          .isEqualTo(24);
    } finally {
      for (TcpBackend b : named) {
        b.close();
      }
    }
  }
}
