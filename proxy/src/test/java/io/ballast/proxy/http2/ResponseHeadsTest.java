package io.ballast.proxy.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The HTTP/2 fields a relayed response head and its trailers become. */
class ResponseHeadsTest {
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
    Http2Headers h = ResponseHeads.head(response("Content-Type", "text/plain",
        "X-Custom-Thing", "1", "etag", "\"a\""));
    assertThat(fields(h)).containsExactly(":status: 200", "content-type: text/plain",
        "x-custom-thing: 1", "etag: \"a\"");
  }

  @Test
  void aCommonNameIsItsConstantAndALowerCaseNameIsNotCopied() {
    assertThat(ResponseHeads.lowerCase("Content-Length")).isSameAs(HttpHeaderNames.CONTENT_LENGTH);
    assertThat(ResponseHeads.lowerCase("SERVER")).isSameAs(HttpHeaderNames.SERVER);
    String lower = "x-already-lower";
    assertThat(ResponseHeads.lowerCase(lower)).isSameAs(lower);
    assertThat(ResponseHeads.lowerCase(new AsciiString("X-Odd")).toString()).isEqualTo("x-odd");
  }

  @Test
  void connectionSpecificFieldsAndTheOnesConnectionNamesAreDropped() {
    Http2Headers h = ResponseHeads.head(response("Connection", "close, X-Hop",
        "Keep-Alive", "timeout=5", "Proxy-Connection", "keep-alive",
        "Transfer-Encoding", "chunked", "Upgrade", "h2c", "Host", "a.example",
        "x-hop", "gone", "x-http2-stream-id", "3", "x-kept", "here"));
    assertThat(fields(h)).containsExactly(":status: 200", "x-kept: here");
  }

  @Test
  void teIsKeptOnlyAsTrailers() {
    assertThat(fields(ResponseHeads.head(response("TE", "gzip, trailers"))))
        .containsExactly(":status: 200", "te: trailers");
    assertThat(fields(ResponseHeads.head(response("te", "gzip"))))
        .containsExactly(":status: 200");
  }

  @Test
  void trailersHaveNoStatus() {
    HttpHeaders t = new DefaultHttpHeaders().add("Grpc-Status", "0").add("grpc-message", "ok");
    assertThat(fields(ResponseHeads.trailers(t)))
        .containsExactly("grpc-status: 0", "grpc-message: ok");
  }
}
