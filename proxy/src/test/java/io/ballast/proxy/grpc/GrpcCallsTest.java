package io.ballast.proxy.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GrpcCallsTest {
  private static HttpRequest request(String contentType, String timeout) {
    HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/svc/Method");
    if (contentType != null) {
      r.headers().set("content-type", contentType);
    }
    if (timeout != null) {
      r.headers().set("grpc-timeout", timeout);
    }
    return r;
  }

  @Test
  void callsAreTheirContentType() {
    assertThat(GrpcCalls.isCall(request("application/grpc", null))).isTrue();
    assertThat(GrpcCalls.isCall(request("application/grpc+proto", null))).isTrue();
    assertThat(GrpcCalls.isCall(request("Application/GRPC;charset=utf-8", null))).isTrue();
    assertThat(GrpcCalls.isCall(request("application/grpc-web", null))).isFalse();
    assertThat(GrpcCalls.isCall(request("application/json", null))).isFalse();
    assertThat(GrpcCalls.isCall(request(null, null))).isFalse();
  }

  @Test
  void timeoutsHaveEightDigitsAndAUnit() {
    assertThat(GrpcCalls.timeoutNanos(request("application/grpc", "100m")))
        .isEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
    assertThat(GrpcCalls.timeoutNanos(request("application/grpc", "2S")))
        .isEqualTo(TimeUnit.SECONDS.toNanos(2));
    assertThat(GrpcCalls.timeoutNanos(request("application/grpc", "1H")))
        .isEqualTo(TimeUnit.HOURS.toNanos(1));
    assertThat(GrpcCalls.timeoutNanos(request("application/grpc", "99999999n"))).isEqualTo(99999999);
    assertThat(GrpcCalls.timeoutNanos(request("application/grpc", "0u"))).isZero();
    assertThat(GrpcCalls.timeoutNanos(request("application/grpc", "123456789S"))).isEqualTo(-1);
    assertThat(GrpcCalls.timeoutNanos(request("application/grpc", "10s"))).isEqualTo(-1);
    assertThat(GrpcCalls.timeoutNanos(request("application/grpc", "S"))).isEqualTo(-1);
    assertThat(GrpcCalls.timeoutNanos(request("application/grpc", "-5m"))).isEqualTo(-1);
    assertThat(GrpcCalls.timeoutNanos(request("application/grpc", null))).isEqualTo(-1);
  }

  @Test
  void ballastsOwnAnswerIsATrailersOnlyStatus() {
    FullHttpResponse r = GrpcCalls.trailersOnly(503, "no backend: 100% down\n",
        AsciiString.of("x-request-id"), "abc");
    assertThat(r.status().code()).isEqualTo(200);
    assertThat(r.content().readableBytes()).isZero();
    assertThat(r.headers().get("content-type")).isEqualTo("application/grpc");
    assertThat(r.headers().get("grpc-status")).isEqualTo("14");
    assertThat(r.headers().get("grpc-message")).isEqualTo("no backend: 100%25 down%0A");
    assertThat(r.headers().get("x-request-id")).isEqualTo("abc");
    assertThat(GrpcCalls.trailersOnly(504, null, AsciiString.of("x-request-id"), null).headers()
        .get("grpc-status")).isEqualTo("4");
    assertThat(GrpcCalls.percentEncode("café")).isEqualTo("caf%C3%A9");
  }
}
