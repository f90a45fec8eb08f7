package io.ballast.proxy.http2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The HTTP/1.1 heads and trailers that HTTP/2 HEADERS become, field by field. */
class Http2ToHttp1Test {
  private static Http2Headers get(String path) {
    return new DefaultHttp2Headers(false).method("GET").scheme("https").authority("a.example")
        .path(path);
  }

  private static List<String> names(HttpHeaders h) {
    return h.entries().stream().map(Map.Entry::getKey).toList();
  }

  @Test
  void aGetBecomesAnHttp11HeadWithTheAuthorityAsItsFirstField() throws Exception {
    HttpRequest r = Http2ToHttp1.request(get("/a?b=c").add("accept", "*/*")
        .add("user-agent", "t"), true);
    assertThat(r.method()).isEqualTo(HttpMethod.GET);
    assertThat(r.uri()).isEqualTo("/a?b=c");
    assertThat(r.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
    assertThat(names(r.headers())).containsExactly("host", "accept", "user-agent");
    assertThat(r.headers().get("host")).isEqualTo("a.example");
  }

  @Test
  void aBodyWithoutALengthIsChunkedAndOneWithALengthKeepsIt() throws Exception {
    assertThat(Http2ToHttp1.request(get("/"), false).headers().get("transfer-encoding"))
        .isEqualTo("chunked");
    HttpRequest sized = Http2ToHttp1.request(get("/").add("content-length", "5"), false);
    assertThat(sized.headers().get("content-length")).isEqualTo("5");
    assertThat(sized.headers().contains("transfer-encoding")).isFalse();
    // The HEADERS ended the stream: no body, no framing field.
    assertThat(Http2ToHttp1.request(get("/"), true).headers().contains("transfer-encoding"))
        .isFalse();
  }

  @Test
  void cookiesAreJoinedIntoOneFieldAtTheEnd() throws Exception {
    HttpRequest r = Http2ToHttp1.request(get("/").add("cookie", "a=1").add("x-y", "z")
        .add("cookie", "b=2"), true);
    assertThat(r.headers().getAll("cookie")).containsExactly("a=1; b=2");
    assertThat(names(r.headers())).containsExactly("host", "x-y", "cookie");
  }

  @Test
  void aHostThatRepeatsTheAuthorityIsDroppedAndOneThatContradictsItIsMalformed()
      throws Exception {
    assertThat(Http2ToHttp1.request(get("/").add("host", "A.example"), true).headers()
        .getAll("host")).containsExactly("a.example");
    assertThatThrownBy(() -> Http2ToHttp1.request(get("/").add("host", "b.example"), true))
        .isInstanceOf(Http2ToHttp1.Malformed.class);
    Http2Headers noAuthority = new DefaultHttp2Headers(false).method("GET").scheme("http")
        .path("/").add("host", "c.example").add("accept", "*/*");
    assertThat(names(Http2ToHttp1.request(noAuthority, true).headers()))
        .containsExactly("host", "accept");
  }

  @Test
  void thisHopsExtensionFieldsAndTrailerNeverReachTheBackend() throws Exception {
    HttpRequest r = Http2ToHttp1.request(get("/").add("x-http2-scheme", "http")
        .add("x-http2-stream-id", "7").add("x-http2-path", "/admin").add("trailer", "x")
        .add("x-http2-own", "kept"), true);
    assertThat(names(r.headers())).containsExactly("host", "x-http2-own");
  }

  @Test
  void aConnectTargetsItsAuthorityAndAnExtendedConnectItsPath() throws Exception {
    Http2Headers connect = new DefaultHttp2Headers(false).method("CONNECT")
        .authority("b.example:443");
    assertThat(Http2ToHttp1.request(connect, false).uri()).isEqualTo("b.example:443");
    Http2Headers extended = new DefaultHttp2Headers(false).method("CONNECT").scheme("https")
        .authority("a.example").path("/chat");
    extended.set(Http2Headers.PseudoHeaderName.PROTOCOL.value(), "websocket");
    assertThat(Http2ToHttp1.request(extended, false).uri()).isEqualTo("/chat");
    assertThatThrownBy(() -> Http2ToHttp1.request(new DefaultHttp2Headers(false)
        .method("CONNECT"), false)).isInstanceOf(Http2ToHttp1.Malformed.class);
  }

  @Test
  void aBackendsResponseKeepsItsFieldsAndIsChunkedOnlyWhenABodyMayFollowWithoutALength()
      throws Exception {
    HttpResponse r = Http2ToHttp1.response(new DefaultHttp2Headers(false).status("200")
        .add("content-type", "application/grpc").add("x-http2-stream-id", "5"), false);
    assertThat(r.status().code()).isEqualTo(200);
    assertThat(names(r.headers())).containsExactly("content-type", "transfer-encoding");
    assertThat(Http2ToHttp1.response(new DefaultHttp2Headers(false).status("200")
        .add("content-length", "3"), false).headers().contains("transfer-encoding")).isFalse();
    assertThat(Http2ToHttp1.response(new DefaultHttp2Headers(false).status("200"), true)
        .headers().isEmpty()).isTrue();
    assertThat(Http2ToHttp1.response(new DefaultHttp2Headers(false).status("100"), false)
        .headers().isEmpty()).isTrue();
    assertThat(Http2ToHttp1.response(new DefaultHttp2Headers(false).status("204"), false)
        .headers().isEmpty()).isTrue();
    assertThatThrownBy(() -> Http2ToHttp1.response(new DefaultHttp2Headers(false)
        .status("2x0"), true)).isInstanceOf(Http2Exception.class);
  }

  @Test
  void aDataFrameIsABodyPartAndTheLastOneWhenItEndsTheStream() {
    HttpContent part = Http2ToHttp1.bodyPart(new DefaultHttp2DataFrame(
        Unpooled.copiedBuffer("ab", StandardCharsets.US_ASCII), false));
    assertThat(part).isNotInstanceOf(LastHttpContent.class);
    assertThat(part.content().toString(StandardCharsets.US_ASCII)).isEqualTo("ab");
    part.release();
    HttpContent end = Http2ToHttp1.bodyPart(new DefaultHttp2DataFrame(Unpooled.EMPTY_BUFFER,
        true));
    assertThat(end).isInstanceOf(LastHttpContent.class);
    assertThat(((LastHttpContent) end).trailingHeaders().isEmpty()).isTrue();
  }

  @Test
  void trailersKeepTheirFieldsButThisHopsOnes() {
    LastHttpContent last = Http2ToHttp1.trailers(new DefaultHttp2Headers(false)
        .add("grpc-status", "0").add("x-http2-stream-id", "3"));
    assertThat(last.content().readableBytes()).isZero();
    assertThat(names(last.trailingHeaders())).containsExactly("grpc-status");
  }
}
