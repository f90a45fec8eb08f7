package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.proxy.http2.Http2Options;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The strict-parsing rules where HTTP/2 has the same question: :authority is checked as a Host
 * is, a Host that disagrees with it is refused, and a target that is not visible ASCII never
 * reaches a backend's request line. Raw frames through the real proxy.
 */
class StrictParsingHttp2Test {
  private static final int PROTOCOL_ERROR = 0x1;
  private static ProxyFixture f;

  @BeforeAll
  static void start() {
    f = new ProxyFixture(ProxySettings.defaults().withHttp2(Http2Options.defaults()),
        Algorithm.ROUND_ROBIN, HealthSettings.PASSIVE_ONLY, 1);
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  private static Http2Headers get(String authority, String path) {
    return new DefaultHttp2Headers(false).method("GET").scheme("http").authority(authority)
        .path(path);
  }

  /** The stream's answer: its :status, or "reset" with a PROTOCOL_ERROR reset. */
  private static String answer(RawH2 raw, int stream) throws Exception {
    RawH2.Frame fr = raw.answer(stream);
    if (fr == null) {
      return "closed";
    }
    if (fr.type() == RawH2.RST_STREAM) {
      assertThat(fr.errorCode()).isEqualTo(PROTOCOL_ERROR);
      return "reset";
    }
    return fr.status();
  }

  @Test
  void aPathThatIsNotAUriIsResetWithoutLeakingItsBuffer() throws Exception {
    // Netty's translation allocates the body buffer, then its request object refuses a path
    // with a space and the buffer is never released; StreamCodec resets such a stream first.
    LeakWatch leaks = LeakWatch.install();
    int before = f.requestsReceived();
    try (RawH2 raw = new RawH2(f.address)) {
      raw.preface();
      for (int i = 0; i < 20; i++) {
        raw.headers(1 + 2 * i, get("a.example", "/a b"), true);
        assertThat(answer(raw, 1 + 2 * i)).isEqualTo("reset");
      }
    }
    assertThat(f.requestsReceived()).isEqualTo(before);
    assertThat(leaks.leaks()).isEmpty();
  }

  @Test
  void authorityIsCheckedAsAHostIsAndTheBackendSeesOneHost() throws Exception {
    int before = f.requestsReceived();
    try (RawH2 raw = new RawH2(f.address)) {
      raw.preface();
      // RFC 9113 section 8.3.1: a Host that names another entity than :authority is malformed.
      raw.headers(1, get("a.example", "/echo").add("host", "b.example"), true);
      assertThat(answer(raw, 1)).isEqualTo("reset");
      raw.headers(3, get("user@a.example", "/echo"), true);
      assertThat(answer(raw, 3)).isEqualTo("400");
      raw.headers(5, get("a.example:99999", "/echo"), true);
      assertThat(answer(raw, 5)).isEqualTo("400");
      raw.headers(7, get("a.example", "/a\u0000b"), true);
      assertThat(answer(raw, 7)).isIn("400", "reset");
      raw.headers(9, get("a.example", "/a b"), true);
      assertThat(answer(raw, 9)).isIn("400", "reset");
      assertThat(f.requestsReceived()).isEqualTo(before);
      raw.headers(11, get("[::1]:8080", "/echo").add("host", "[::1]:8080"), true);
      assertThat(answer(raw, 11)).isEqualTo("200");
    }
    assertThat(f.requestsReceived()).isEqualTo(before + 1);
    assertThat(f.backends.get(0).lastHeaders.get("host")).isEqualTo("[::1]:8080");
  }
}
