package io.ballast.proxy.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The HTTP/2 fields that HTTP/1.1 heads and trailers become. */
class Http1ToHttp2Test {
  private static HttpResponse response(Object... fields) {
    HttpHeaders h = new DefaultHttpHeaders();
    for (int i = 0; i < fields.length; i += 2) {
      h.add((CharSequence) fields[i], fields[i + 1]);
    }
    return new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, h);
  }

  private static List<String> fields(Http2Headers h) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<CharSequence, CharSequence> e : h) {
      out.add(e.getKey() + ": " + e.getValue());
    }
    return out;
  }

  @Test
  void theStatusComesFirstAndNamesAreLowerCased() {
    Http2Headers h = Http1ToHttp2.response(response("Content-Type", "text/plain",
        "X-Custom-Thing", "1", "etag", "\"a\""));
    assertThat(fields(h)).containsExactly(":status: 200", "content-type: text/plain",
        "x-custom-thing: 1", "etag: \"a\"");
  }

  @Test
  void aCommonNameIsItsConstantAndALowerCaseNameIsNotCopied() {
    assertThat(Http1ToHttp2.lowerCase("Content-Length")).isSameAs(HttpHeaderNames.CONTENT_LENGTH);
    assertThat(Http1ToHttp2.lowerCase("SERVER")).isSameAs(HttpHeaderNames.SERVER);
    String lower = "x-already-lower";
    assertThat(Http1ToHttp2.lowerCase(lower)).isSameAs(lower);
    assertThat(Http1ToHttp2.lowerCase(new AsciiString("X-Odd")).toString()).isEqualTo("x-odd");
  }

  @Test
  void connectionSpecificFieldsAndTheOnesConnectionNamesAreDropped() {
    Http2Headers h = Http1ToHttp2.response(response("Connection", "close, X-Hop",
        "Keep-Alive", "timeout=5", "Proxy-Connection", "keep-alive",
        "Transfer-Encoding", "chunked", "Upgrade", "h2c", "Host", "a.example",
        "x-hop", "gone", "x-http2-stream-id", "3", "x-kept", "here"));
    assertThat(fields(h)).containsExactly(":status: 200", "x-kept: here");
  }

  @Test
  void teIsKeptOnlyAsTrailers() {
    assertThat(fields(Http1ToHttp2.response(response("TE", "gzip, trailers"))))
        .containsExactly(":status: 200", "te: trailers");
    assertThat(fields(Http1ToHttp2.response(response("te", "gzip"))))
        .containsExactly(":status: 200");
  }

  @Test
  void aRequestToABackendHasItsPseudoFieldsFirstAndItsHostAsTheAuthority() {
    HttpHeaders h = new DefaultHttpHeaders().add("Host", "a.example:8443")
        .add("Content-Type", "application/grpc").add("TE", "trailers")
        .add("Connection", "keep-alive");
    HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/svc/M?x=1", h);
    assertThat(fields(Http1ToHttp2.request(r, true))).containsExactly(":method: POST",
        ":scheme: https", ":path: /svc/M?x=1", ":authority: a.example:8443",
        "content-type: application/grpc", "te: trailers");
    assertThat(fields(Http1ToHttp2.request(new DefaultHttpRequest(HttpVersion.HTTP_1_1,
        HttpMethod.OPTIONS, "*"), false))).containsExactly(":method: OPTIONS", ":scheme: http",
        ":path: *");
  }

  @Test
  void anAbsoluteTargetGoesThroughNettysTranslation() {
    HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
        "http://b.example/x", new DefaultHttpHeaders().add("host", "a.example"));
    Http2Headers h = Http1ToHttp2.request(r, false);
    assertThat(h.path().toString()).isEqualTo("/x");
    assertThat(h.authority().toString()).isEqualTo("b.example");
    assertThat(h.scheme().toString()).isEqualTo("http");
  }

  @Test
  void trailersHaveNoStatus() {
    HttpHeaders t = new DefaultHttpHeaders().add("Grpc-Status", "0").add("grpc-message", "ok");
    assertThat(fields(Http1ToHttp2.trailers(t)))
        .containsExactly("grpc-status: 0", "grpc-message: ok");
  }
}
