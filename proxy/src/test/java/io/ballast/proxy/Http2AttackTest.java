package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.proxy.http2.Http2Options;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The known ways to exhaust an HTTP/2 server with cheap frames, sent as raw frames: each ends as
 * RFC 9113 says (GOAWAY or RST_STREAM with the right code), costs a bounded amount, and leaves
 * the proxy serving other clients.
 */
class Http2AttackTest {
  private static final int PROTOCOL_ERROR = 0x1;
  private static final int REFUSED_STREAM = 0x7;
  private static final int CANCEL = 0x8;
  private static final int ENHANCE_YOUR_CALM = 0xb;
  private static final int SETTINGS_INITIAL_WINDOW_SIZE = 0x4;

  private static ProxyFixture proxy(Http2Options http2, Duration clientIdle) {
    ProxySettings settings = ProxySettings.defaults().withHttp2(http2)
        .withClientIdleTimeout(clientIdle);
    return new ProxyFixture(settings, Algorithm.ROUND_ROBIN, HealthSettings.PASSIVE_ONLY, 1);
  }

  private static ProxyFixture proxy() {
    return proxy(Http2Options.defaults(), Duration.ofSeconds(60));
  }

  /** The proxy still answers a new client, over HTTP/2. */
  private static void stillServes(ProxyFixture f) throws Exception {
    try (RawH2 other = new RawH2(f.address)) {
      other.preface();
      other.headers(1, RawH2.get("/name"), true);
      assertThat(other.await(RawH2.HEADERS, 1).status()).isEqualTo("200");
    }
  }

  @Test
  void rapidResetEndsTheConnectionWithEnhanceYourCalm() throws Exception {
    Http2Options limits = new Http2Options(true, 100, 65_535, 1 << 20, 100, 30, 1000);
    try (ProxyFixture f = proxy(limits, Duration.ofSeconds(60)); RawH2 raw = new RawH2(f.address)) {
      raw.preface();
      ByteArrayOutputStream burst = new ByteArrayOutputStream();
      for (int i = 0; i < 1000; i++) {
        int stream = 1 + 2 * i;
        burst.writeBytes(RawH2.encode(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, stream,
            raw.block(stream, RawH2.get("/delay/1000"))));
        burst.writeBytes(RawH2.encode(RawH2.RST_STREAM, 0, stream, new byte[] {0, 0, 0, 8}));
      }
      raw.write(burst.toByteArray());
      RawH2.Frame goAway = raw.await(RawH2.GOAWAY);
      assertThat(goAway).isNotNull();
      assertThat(goAway.errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
      assertThat(raw.closedByServer()).isTrue();
      // At most the streams before the limit reached a backend.
      assertThat(f.requestsReceived()).isLessThanOrEqualTo(101);
      assertThat(f.http2Errors).contains("connection:enhance_your_calm");
      stillServes(f);
    }
  }

  @Test
  void continuationFloodIsCutOff() throws Exception {
    try (ProxyFixture f = proxy(); RawH2 raw = new RawH2(f.address)) {
      raw.preface();
      byte[] block = raw.block(1, RawH2.get("/name"));
      raw.frame(RawH2.HEADERS, 0, 1, block); // no END_HEADERS: CONTINUATION must follow
      // A header field that never ends, one CONTINUATION at a time: 0x00 literal, new name.
      byte[] junk = new byte[16_000];
      java.util.Arrays.fill(junk, (byte) 'a');
      long sent = 0;
      while (sent < 64L << 20 && raw.write(RawH2.encode(RawH2.CONTINUATION, 0, 1, junk))) {
        sent += junk.length;
      }
      assertThat(sent).as("bytes the server took before it cut the connection")
          .isLessThan(8L << 20);
      assertThat(raw.closedByServer()).isTrue();
      assertThat(f.requestsReceived()).isZero();
      stillServes(f);
    }
  }

  @Test
  void hpackBombIsRefusedAtTheHeaderListLimit() throws Exception {
    try (ProxyFixture f = proxy(); RawH2 raw = new RawH2(f.address)) {
      raw.preface();
      ByteArrayOutputStream block = new ByteArrayOutputStream();
      block.writeBytes(raw.block(1, RawH2.get("/name")));
      // Literal with incremental indexing, new name "x-bomb", a 4000-byte value: it enters the
      // dynamic table at index 62, and each 1-byte reference to it (0xBE) adds 4 KB to the
      // decoded list. 4000 references: 16 MB of headers from 24 KB of frames.
      block.write(0x40);
      block.write(6);
      block.writeBytes("x-bomb".getBytes());
      block.writeBytes(new byte[] {0x7f, (byte) 0xa1, 0x1e}); // 127 + 3873 = 4000
      block.writeBytes("v".repeat(4000).getBytes());
      for (int i = 0; i < 4000; i++) {
        block.write(0xbe);
      }
      byte[] b = block.toByteArray();
      // Sent as HEADERS + CONTINUATION frames of at most 16 KB each.
      int at = 0;
      boolean first = true;
      while (at < b.length) {
        int n = Math.min(16_000, b.length - at);
        byte[] part = java.util.Arrays.copyOfRange(b, at, at + n);
        at += n;
        int flags = at == b.length ? RawH2.END_HEADERS : 0;
        raw.frame(first ? RawH2.HEADERS : RawH2.CONTINUATION,
            flags | (first ? RawH2.END_STREAM : 0), 1, part);
        first = false;
      }
      RawH2.Frame answer;
      do {
        answer = raw.read();
      } while (answer != null && answer.type() != RawH2.GOAWAY
          && answer.type() != RawH2.RST_STREAM && answer.type() != RawH2.HEADERS);
      assertThat(answer).as("the server's answer to the bomb").isNotNull();
      if (answer.type() == RawH2.HEADERS) {
        assertThat(answer.status()).isEqualTo("431");
      } else {
        assertThat(answer.errorCode()).isIn(PROTOCOL_ERROR, ENHANCE_YOUR_CALM);
      }
      assertThat(f.requestsReceived()).isZero();
      stillServes(f);
    }
  }

  @Test
  void settingsFloodEndsTheConnection() throws Exception {
    try (ProxyFixture f = proxy(); RawH2 raw = new RawH2(f.address)) {
      raw.preface();
      ByteArrayOutputStream flood = new ByteArrayOutputStream();
      for (int i = 0; i < 5000; i++) {
        flood.writeBytes(RawH2.encode(RawH2.SETTINGS, 0, 0, new byte[0]));
      }
      raw.write(flood.toByteArray());
      RawH2.Frame goAway = raw.await(RawH2.GOAWAY);
      assertThat(goAway).isNotNull();
      assertThat(goAway.errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
      assertThat(raw.closedByServer()).isTrue();
      assertThat(f.http2Errors).containsExactly("connection:enhance_your_calm");
      stillServes(f);
    }
  }

  @Test
  void pingFloodEndsTheConnection() throws Exception {
    try (ProxyFixture f = proxy(); RawH2 raw = new RawH2(f.address)) {
      raw.preface();
      ByteArrayOutputStream flood = new ByteArrayOutputStream();
      for (int i = 0; i < 5000; i++) {
        flood.writeBytes(RawH2.encode(RawH2.PING, 0, 0, new byte[8]));
      }
      raw.write(flood.toByteArray());
      RawH2.Frame goAway = raw.await(RawH2.GOAWAY);
      assertThat(goAway).isNotNull();
      assertThat(goAway.errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
      assertThat(raw.closedByServer()).isTrue();
      stillServes(f);
    }
  }

  @Test
  void aStreamStalledOnAZeroWindowIsReset() throws Exception {
    try (ProxyFixture f = proxy(Http2Options.defaults(), Duration.ofSeconds(1));
        RawH2 raw = new RawH2(f.address)) {
      raw.preface(SETTINGS_INITIAL_WINDOW_SIZE, 0);
      raw.headers(1, RawH2.get("/download/1000000"), true);
      long start = System.nanoTime();
      RawH2.Frame reset = raw.await(RawH2.RST_STREAM, 1);
      assertThat(reset).isNotNull();
      assertThat(reset.errorCode()).isEqualTo(CANCEL);
      assertThat(f.http2Errors).containsExactly("stream:stream_stalled");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      // The connection, with no stream left, goes at the idle timeout (GOAWAY, then close).
      assertThat(raw.closedByServer()).isTrue();
      stillServes(f);
    }
  }

  @Test
  void streamsBeyondTheLimitAreRefused() throws Exception {
    Http2Options limits = new Http2Options(true, 5, 65_535, 1 << 20, 200, 30, 1000);
    try (ProxyFixture f = proxy(limits, Duration.ofSeconds(60)); RawH2 raw = new RawH2(f.address)) {
      raw.preface();
      for (int i = 0; i < 6; i++) {
        raw.headers(1 + 2 * i, RawH2.get("/delay/1500"), true);
      }
      RawH2.Frame refused = raw.await(RawH2.RST_STREAM);
      assertThat(refused.stream()).isEqualTo(11);
      assertThat(refused.errorCode()).isEqualTo(REFUSED_STREAM);
      // The five within the limit are answered.
      int answered = 0;
      while (answered < 5) {
        RawH2.Frame fr = raw.read();
        if (fr.type() == RawH2.HEADERS) {
          assertThat(fr.status()).isEqualTo("200");
          answered++;
        }
      }
      assertThat(f.requestsReceived()).isEqualTo(5);
    }
  }

  @Test
  void malformedStreamsAreResetAndTheConnectionGoesOn() throws Exception {
    try (ProxyFixture f = proxy(); RawH2 raw = new RawH2(f.address)) {
      raw.preface();
      // A connection-specific header (RFC 9113 section 8.2.2).
      raw.headers(1, RawH2.get("/name").add("connection", "keep-alive"), true);
      assertThat(raw.await(RawH2.RST_STREAM, 1).errorCode()).isEqualTo(PROTOCOL_ERROR);
      // An upper-case field name (section 8.2).
      raw.headers(3, new DefaultHttp2Headers(false).method("GET").scheme("http")
          .authority("localhost").path("/name").add("X-Upper", "1"), true);
      assertThat(raw.await(RawH2.RST_STREAM, 3).errorCode()).isEqualTo(PROTOCOL_ERROR);
      // A body longer than its content-length: never a second request to the backend.
      raw.headers(5, RawH2.post("/echo").add("content-length", "5"), false);
      raw.data(5, "hello, and a smuggled GET / HTTP/1.1\r\n\r\n".getBytes(), true);
      RawH2.Frame five;
      do {
        five = raw.read();
      } while (five.stream() != 5 || five.type() != RawH2.RST_STREAM && five.type() != RawH2.HEADERS);
      if (five.type() == RawH2.RST_STREAM) {
        assertThat(five.errorCode()).isEqualTo(PROTOCOL_ERROR);
      }
      raw.headers(7, RawH2.get("/name"), true);
      assertThat(raw.await(RawH2.HEADERS, 7).status()).isEqualTo("200");
      assertThat(f.requestsReceived()).isLessThanOrEqualTo(2);
      assertThat(f.logs).noneMatch(l -> "/".equals(l.uri()));
      assertThat(f.http2Errors).contains("stream:protocol_error");
    }
  }

  @Test
  void protocolErrorsEndTheConnectionWithGoAway() throws Exception {
    try (ProxyFixture f = proxy(); RawH2 raw = new RawH2(f.address)) {
      raw.preface();
      raw.headers(2, RawH2.get("/name"), true); // clients open odd streams only
      RawH2.Frame goAway = raw.await(RawH2.GOAWAY);
      assertThat(goAway.errorCode()).isEqualTo(PROTOCOL_ERROR);
      assertThat(raw.closedByServer()).isTrue();
      await().atMost(Duration.ofSeconds(5))
          .until(() -> f.http2Errors.contains("connection:protocol_error"));
    }
    try (ProxyFixture f = proxy(); RawH2 raw = new RawH2(f.address)) {
      raw.preface();
      raw.write("GET / HTTP/1.1\r\n\r\n".getBytes()); // not a frame
      RawH2.Frame goAway = raw.await(RawH2.GOAWAY);
      assertThat(goAway).isNotNull();
      assertThat(raw.closedByServer()).isTrue();
      stillServes(f);
      await().atMost(Duration.ofSeconds(5)).until(() -> f.proxy.openConnections() == 0);
    }
  }
}
