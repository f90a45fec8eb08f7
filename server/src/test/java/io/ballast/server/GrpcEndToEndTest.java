package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.server.config.ConfigLoader;
import io.ballast.server.testing.Calls;
import io.ballast.server.testing.GrpcEcho;
import io.ballast.server.testing.GrpcTestClient;
import io.ballast.server.testing.GrpcTestClient.Reply;
import io.ballast.server.testing.GrpcTestServer;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gRPC through the real proxy, between a real grpc-java client and real grpc-java servers (h2c
 * on both sides): the four kinds of call with their trailers, statuses relayed, the call's
 * deadline, ballast's own trailers-only statuses, retries by gRPC's rules, and outlier
 * detection counting gRPC statuses.
 */
class GrpcEndToEndTest {
  private static final String TOKEN = "grpc-test-token-0123456789";
  @TempDir Path dir;
  private final Calls calls = new Calls(TOKEN);
  private final List<GrpcTestServer> servers = new ArrayList<>();
  private Ballast ballast;
  private GrpcTestClient client;

  @AfterEach
  void tearDown() {
    if (client != null) {
      client.close();
    }
    if (ballast != null) {
      ballast.stop();
    }
    servers.forEach(GrpcTestServer::close);
  }

  private void start(String poolExtra, String... names) throws Exception {
    StringBuilder backends = new StringBuilder();
    for (String name : names) {
      GrpcTestServer s = GrpcTestServer.start(name);
      servers.add(s);
      backends.append(backends.length() == 0 ? "" : ", ")
          .append("{name: ").append(name).append(", address: \"").append(s.address())
          .append("\"}");
    }
    Path file = dir.resolve("ballast.yaml");
    Files.writeString(file, """
        listeners:
          - {name: grpc, bind: "127.0.0.1:0", pool: echo}
        pools:
          - name: echo
            protocol: h2c
            algorithm: round-robin
            backends: [%s]
        %s
        admin: {bind: "127.0.0.1:0", token: "%s"}
        access_log: {path: "%s"}
        """.formatted(backends, poolExtra.indent(4).stripTrailing(), TOKEN,
        dir.resolve("access.log")));
    ballast = Ballast.start(ConfigLoader.load(file).orElseThrow(), 1, file);
    calls.to(ballast);
    client = GrpcTestClient.plaintext("127.0.0.1", ballast.proxyAddresses().get(0).getPort());
  }

  private String accessLog() throws IOException {
    return Files.readString(dir.resolve("access.log"));
  }

  @Test
  void everyKindOfCallGoesThroughWithItsTrailers() throws Exception {
    start("", "a", "b");
    Set<String> servedBy = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      Reply r = client.unary("hello " + i);
      assertThat(r.ok()).as(r.toString()).isTrue();
      assertThat(r.message()).isEqualTo("hello " + i);
      // x-served-by comes in the headers and in the trailers: both crossed ballast.
      assertThat(r.trailers().get(GrpcEcho.SERVED_BY_KEY)).isEqualTo(r.servedBy());
      servedBy.add(r.servedBy());
    }
    assertThat(servedBy).containsExactlyInAnyOrder("a", "b");

    Reply stream = client.serverStream("tick", 50);
    assertThat(stream.ok()).isTrue();
    assertThat(stream.messages()).hasSize(50).startsWith("tick 1").endsWith("tick 50");

    Reply collected = client.clientStream(List.of("x", "y", "z"));
    assertThat(collected.ok()).isTrue();
    assertThat(collected.message()).isEqualTo("xyz");

    List<String> many = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      many.add("m" + i);
    }
    Reply bidi = client.bidi(many);
    assertThat(bidi.ok()).isTrue();
    assertThat(bidi.messages()).isEqualTo(many);

    // A status the server ends a call with reaches the client with its message.
    Reply notFound = client.unary("x", GrpcEcho.STATUS, "NOT_FOUND", GrpcEcho.MESSAGE, "no such x");
    assertThat(notFound.code()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(notFound.description()).isEqualTo("no such x");
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(accessLog())
        .contains("\"protocol\":\"HTTP/2.0\"", "\"grpc_status\":0", "\"grpc_status\":5"));
  }

  @Test
  void theCallsDeadlineIsHonoured() throws Exception {
    start("", "a");
    long t0 = System.nanoTime();
    Reply late = client.unary("sleep=3000", Duration.ofMillis(300));
    assertThat(late.code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    assertThat(client.unary("on time", Duration.ofSeconds(5)).ok()).isTrue();
  }

  @Test
  void withNoBackendTheClientGetsUnavailableNotAnHttpError() throws Exception {
    start("", "a");
    servers.get(0).close();
    Reply r = client.unary("anyone?");
    assertThat(r.code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(r.description()).isNotBlank();
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(accessLog()).contains("\"grpc_status\":14"));
  }

  @Test
  void unavailableIsRetriedOnAnotherBackendAndOtherStatusesAreNot() throws Exception {
    start("", "a", "b");
    servers.get(0).failEveryCall(Status.Code.UNAVAILABLE);
    for (int i = 0; i < 10; i++) {
      Reply r = client.unary("call " + i);
      assertThat(r.ok()).as(r.toString()).isTrue();
      assertThat(r.servedBy()).isEqualTo("b");
    }
    // NOT_FOUND is the caller's business: relayed, never retried.
    servers.get(0).failEveryCall(null);
    servers.get(1).failEveryCall(Status.Code.NOT_FOUND);
    int notFound = 0;
    for (int i = 0; i < 10; i++) {
      Reply r = client.unary("call " + i);
      notFound += r.code() == Status.Code.NOT_FOUND ? 1 : 0;
    }
    assertThat(notFound).isBetween(3, 7);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(accessLog()).contains("\"retry\":\"retry_status\""));
    // A call's failure shows in the gRPC metric (lb_requests_total counts its HTTP 200).
    double expected = notFound;
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(calls.metrics()
        .value("lb_grpc_calls_total", Map.of("pool", "echo", "backend", "b",
            "grpc_status", "NOT_FOUND")).orElse(0)).isEqualTo(expected));
  }

  @Test
  void outlierDetectionEjectsABackendThatAnswersUnavailable() throws Exception {
    start("""
        retries: {on_status: []}
        outlier_detection: {consecutive_5xx: 3, base_ejection_time: 30s, max_ejection_percent: 50}
        """, "a", "b");
    servers.get(0).failEveryCall(Status.Code.UNAVAILABLE);
    int unavailable = 0;
    for (int i = 0; i < 40; i++) {
      unavailable += client.unary("call " + i).code() == Status.Code.UNAVAILABLE ? 1 : 0;
    }
    // Three in a row eject "a": after that, every call goes to "b".
    assertThat(unavailable).isBetween(3, 5);
    for (int i = 0; i < 10; i++) {
      assertThat(client.unary("after").servedBy()).isEqualTo("b");
    }
  }
}
