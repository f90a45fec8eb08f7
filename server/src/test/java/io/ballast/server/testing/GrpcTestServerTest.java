package io.ballast.server.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.proxy.tls.TestCertificates;
import io.ballast.server.testing.GrpcTestClient.Reply;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gRPC fixtures do what their documentation promises, so other tests can lean on them. */
class GrpcTestServerTest {
  private GrpcTestServer server;
  private GrpcTestClient client;

  @AfterEach
  void tearDown() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private void start(GrpcTestServer s) {
    server = s;
    client = GrpcTestClient.plaintext("127.0.0.1", s.port());
  }

  @Test
  void unaryEchoesAndNamesTheServer() throws Exception {
    start(GrpcTestServer.start("alpha"));
    Reply r = client.unary("hello");
    assertThat(r.code()).isEqualTo(Status.Code.OK);
    assertThat(r.message()).isEqualTo("hello");
    assertThat(r.servedBy()).isEqualTo("alpha");
    assertThat(r.headers().get(GrpcEcho.SERVED_BY_KEY)).isEqualTo("alpha");
    assertThat(r.trailers().get(GrpcEcho.SERVED_BY_KEY)).isEqualTo("alpha");
    assertThat(server.calls(GrpcEcho.UNARY.getFullMethodName())).isEqualTo(1);
    assertThat(server.address()).isEqualTo("127.0.0.1:" + server.port());
  }

  @Test
  void unaryRepliesWithTheStatusAskedForByMetadataOrPayload() throws Exception {
    start(GrpcTestServer.start("alpha"));
    Reply byMetadata = client.unary("x", GrpcEcho.STATUS, "UNAVAILABLE", GrpcEcho.MESSAGE, "down");
    assertThat(byMetadata.code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(byMetadata.description()).isEqualTo("down");
    assertThat(byMetadata.messages()).isEmpty();
    // A trailers-only answer still says who answered.
    assertThat(byMetadata.servedBy()).isEqualTo("alpha");

    assertThat(client.unary("status=14").code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(client.unary("status=RESOURCE_EXHAUSTED&message=full").description())
        .isEqualTo("full");
    // Not only key=value pairs of its keys: an ordinary payload.
    assertThat(client.unary("status=nonsense").message()).isEqualTo("status=nonsense");
    assertThat(client.unary("a=b").message()).isEqualTo("a=b");
    assertThat(client.unary("x", GrpcEcho.STATUS, "nonsense").code())
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void unarySleepsAsAskedAndTheDeadlineCutsIt() throws Exception {
    start(GrpcTestServer.start("alpha"));
    long t0 = System.nanoTime();
    assertThat(client.unary("sleep=300").message()).isEqualTo("sleep=300");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(
        Duration.ofMillis(300));
    assertThat(client.unary("x", Duration.ofMillis(100), GrpcEcho.SLEEP_MS, "2000").code())
        .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(client.unary("sleep=100&status=ABORTED").code()).isEqualTo(Status.Code.ABORTED);
  }

  @Test
  void streamingMethods() throws Exception {
    start(GrpcTestServer.start("alpha"));
    assertThat(client.serverStream("tick", 3).messages()).containsExactly("tick 1", "tick 2",
        "tick 3");
    assertThat(client.serverStream("", 2).messages()).containsExactly("1", "2");
    Reply failing = client.serverStream("t", 2, GrpcEcho.STATUS, "INTERNAL");
    assertThat(failing.messages()).containsExactly("t 1", "t 2");
    assertThat(failing.code()).isEqualTo(Status.Code.INTERNAL);

    Reply sum = client.clientStream(List.of("a", "b", "c"));
    assertThat(sum.message()).isEqualTo("abc");
    assertThat(sum.servedBy()).isEqualTo("alpha");
    assertThat(client.bidi(List.of("x", "y", "z")).messages()).containsExactly("x", "y", "z");
    assertThat(client.bidi(List.of()).ok()).isTrue();
    assertThat(server.calls(GrpcEcho.BIDI.getFullMethodName())).isEqualTo(2);
  }

  @Test
  void healthFlipsPerServiceAndCanBeLeftOut() throws Exception {
    start(GrpcTestServer.start("alpha"));
    assertThat(client.health("")).isEqualTo(ServingStatus.SERVING);
    assertThat(client.health(GrpcEcho.SERVICE)).isEqualTo(ServingStatus.SERVING);
    server.health(GrpcEcho.SERVICE, ServingStatus.NOT_SERVING);
    assertThat(client.health(GrpcEcho.SERVICE)).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(client.health("")).isEqualTo(ServingStatus.SERVING);
    server.forget(GrpcEcho.SERVICE);
    assertThatThrownBy(() -> client.health(GrpcEcho.SERVICE))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    client.close();
    server.close();

    start(GrpcTestServer.builder("bare").withoutHealth().start());
    assertThatThrownBy(() -> client.health(""))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
    assertThatThrownBy(() -> server.health("", ServingStatus.SERVING))
        .isInstanceOf(IllegalStateException.class);
    assertThat(client.unary("still echoes").servedBy()).isEqualTo("bare");
  }

  @Test
  void aServerRestartsOnItsPortAndSpeaksTls(@TempDir Path dir) throws Exception {
    GrpcTestServer first = GrpcTestServer.start("first");
    int port = first.port();
    first.close();
    start(GrpcTestServer.builder("again").port(port).start());
    assertThat(client.unary("x").servedBy()).isEqualTo("again");
    client.close();
    server.close();

    TestCertificates certs = new TestCertificates(dir);
    TestCertificates.Pair pair = certs.rsaServer("grpc", "grpc.test", "127.0.0.1");
    server = GrpcTestServer.builder("secure").tls(pair.cert(), pair.key()).start();
    client = GrpcTestClient.tls("127.0.0.1", server.port(), certs.ca(), "grpc.test");
    assertThat(client.unary("over tls").servedBy()).isEqualTo("secure");
    assertThat(client.health(GrpcEcho.SERVICE)).isEqualTo(ServingStatus.SERVING);
  }
}
