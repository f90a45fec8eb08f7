package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.codec.http2.Http2Headers;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What a gRPC client gets when ballast cannot serve its call: a trailers-only response with the
 * gRPC status that means it (UNAVAILABLE, DEADLINE_EXCEEDED), never an HTTP error it would have
 * to guess from; and the call's grpc-timeout bounds how long ballast waits for a backend.
 */
class GrpcFromClientsTest {
  private static Http2Headers call(String path) {
    return RawH2.post(path).add("content-type", "application/grpc").add("te", "trailers");
  }

  @Test
  void noBackendIsATrailersOnlyUnavailable() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1); RawH2 raw = new RawH2(f.address)) {
      f.backends.get(0).close();
      raw.preface();
      raw.headers(1, call("/ballast.test.Echo/Unary"), false);
      raw.data(1, new byte[] {0, 0, 0, 0, 0}, true);
      RawH2.Frame head = raw.await(RawH2.HEADERS, 1);
      assertThat(head.status()).isEqualTo("200");
      assertThat((head.flags() & RawH2.END_STREAM)).as("trailers-only").isNotZero();
      assertThat(head.headers().get("grpc-status")).hasToString("14");
      assertThat(head.headers().get("content-type")).hasToString("application/grpc");
      assertThat(head.headers().get("grpc-message")).isNotNull();
      await().atMost(Duration.ofSeconds(5)).until(() -> !f.logs.isEmpty());
      RequestLog log = f.logs.peek();
      assertThat(log.status()).isEqualTo(200);
      assertThat(log.grpcStatus()).isEqualTo(14);
    }
  }

  @Test
  void theCallsDeadlineBoundsTheWaitForItsBackend() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1); RawH2 raw = new RawH2(f.address)) {
      raw.preface();
      long start = System.nanoTime();
      raw.headers(1, call("/delay/3000").add("grpc-timeout", "300m"), true);
      RawH2.Frame head = raw.await(RawH2.HEADERS, 1);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
      assertThat(head.status()).isEqualTo("200");
      assertThat(head.headers().get("grpc-status")).hasToString("4"); // DEADLINE_EXCEEDED
      // A call whose deadline has passed already is not sent at all.
      raw.headers(3, call("/name").add("grpc-timeout", "0n"), true);
      assertThat(raw.await(RawH2.HEADERS, 3).headers().get("grpc-status")).hasToString("4");
      assertThat(f.requestsReceived()).isEqualTo(1);
    }
  }
}
