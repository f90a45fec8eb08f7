package io.ballast.proxy.http2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The request head a stream's HEADERS become, field by field. */
class RequestHeadsTest {
  private static Http2Headers get(String path) {
    return new DefaultHttp2Headers(false).method("GET").scheme("https").authority("a.example")
        .path(path);
  }

  private static List<String> names(HttpHeaders h) {
    return h.entries().stream().map(Map.Entry::getKey).toList();
  }

  @Test
  void aGetBecomesAnHttp11HeadWithTheAuthorityAsItsFirstField() throws Exception {
    HttpRequest r = RequestHeads.request(get("/a?b=c").add("accept", "*/*")
        .add("user-agent", "t"), true);
    assertThat(r.method()).isEqualTo(HttpMethod.GET);
    assertThat(r.uri()).isEqualTo("/a?b=c");
    assertThat(r.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
    assertThat(names(r.headers())).containsExactly("host", "accept", "user-agent");
    assertThat(r.headers().get("host")).isEqualTo("a.example");
  }

  @Test
  void aBodyWithoutALengthIsChunkedAndOneWithALengthKeepsIt() throws Exception {
    assertThat(RequestHeads.request(get("/"), false).headers().get("transfer-encoding"))
        .isEqualTo("chunked");
    HttpRequest sized = RequestHeads.request(get("/").add("content-length", "5"), false);
    assertThat(sized.headers().get("content-length")).isEqualTo("5");
    assertThat(sized.headers().contains("transfer-encoding")).isFalse();
    // The HEADERS ended the stream: no body, no framing field.
    assertThat(RequestHeads.request(get("/"), true).headers().contains("transfer-encoding"))
        .isFalse();
  }

  @Test
  void cookiesAreJoinedIntoOneFieldAtTheEnd() throws Exception {
    HttpRequest r = RequestHeads.request(get("/").add("cookie", "a=1").add("x-y", "z")
        .add("cookie", "b=2"), true);
    assertThat(r.headers().getAll("cookie")).containsExactly("a=1; b=2");
    assertThat(names(r.headers())).containsExactly("host", "x-y", "cookie");
  }

  @Test
  void aHostThatRepeatsTheAuthorityIsDroppedAndOneThatContradictsItIsMalformed()
      throws Exception {
    assertThat(RequestHeads.request(get("/").add("host", "A.example"), true).headers()
        .getAll("host")).containsExactly("a.example");
    assertThatThrownBy(() -> RequestHeads.request(get("/").add("host", "b.example"), true))
        .isInstanceOf(RequestHeads.Malformed.class);
    Http2Headers noAuthority = new DefaultHttp2Headers(false).method("GET").scheme("http")
        .path("/").add("host", "c.example").add("accept", "*/*");
    assertThat(names(RequestHeads.request(noAuthority, true).headers()))
        .containsExactly("host", "accept");
  }

  @Test
  void thisHopsExtensionFieldsAndTrailerNeverReachTheBackend() throws Exception {
    HttpRequest r = RequestHeads.request(get("/").add("x-http2-scheme", "http")
        .add("x-http2-stream-id", "7").add("x-http2-path", "/admin").add("trailer", "x")
        .add("x-http2-own", "kept"), true);
    assertThat(names(r.headers())).containsExactly("host", "x-http2-own");
  }

  @Test
  void aConnectTargetsItsAuthorityAndAnExtendedConnectItsPath() throws Exception {
    Http2Headers connect = new DefaultHttp2Headers(false).method("CONNECT")
        .authority("b.example:443");
    assertThat(RequestHeads.request(connect, false).uri()).isEqualTo("b.example:443");
    Http2Headers extended = new DefaultHttp2Headers(false).method("CONNECT").scheme("https")
        .authority("a.example").path("/chat");
    extended.set(Http2Headers.PseudoHeaderName.PROTOCOL.value(), "websocket");
    assertThat(RequestHeads.request(extended, false).uri()).isEqualTo("/chat");
    assertThatThrownBy(() -> RequestHeads.request(new DefaultHttp2Headers(false)
        .method("CONNECT"), false)).isInstanceOf(RequestHeads.Malformed.class);
  }

  @Test
  void trailersKeepTheirFieldsButThisHopsOnes() {
    LastHttpContent last = RequestHeads.trailers(new DefaultHttp2Headers(false)
        .add("grpc-status", "0").add("x-http2-stream-id", "3"));
    assertThat(last.content().readableBytes()).isZero();
    assertThat(names(last.trailingHeaders())).containsExactly("grpc-status");
  }
}
