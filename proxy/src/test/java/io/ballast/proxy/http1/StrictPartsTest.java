package io.ballast.proxy.http1;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The small parts of strict parsing on their own: host syntax, the request line, the log. */
class StrictPartsTest {
  @Test
  void hostSyntaxFollowsRfc3986WithItsDocumentedStrictness() {
    for (String ok : List.of("", "a", "a.example", "a.example:0", "a.example:65535", "A_b-c~d",
        "%41.example", "a!$&'()*+,;=", "192.0.2.1", "999.1.1.1", "[::]", "[::1]:80",
        "[2001:db8::1]", "[1:2:3:4:5:6:7:8]", "[1:2:3:4:5:6:7::]", "[::ffff:192.0.2.1]",
        "[1:2:3:4:5:6:1.2.3.4]", "[v1.x]", "[V1f.a:b]")) {
      assertThat(HostSyntax.valid(ok)).as(ok).isTrue();
    }
    for (String bad : List.of(":80", "a:", "a:65536", "a:123456", "a:8o", "a:-1", "user@a",
        "a/b", "a b", "a\tb", "a%4", "a%zz", "a\\b", "a?b", "a#b", "a:80:80", "[::1", "::1",
        "[::1]x", "[::1]:", "[1:2:3]", "[1:2:3:4:5:6:7:8:9]", "[1::2::3]", "[12345::]",
        "[::1.2.3]", "[::1.2.3.256]", "[::01.2.3.4]", "[1:]", "[fe80::1%25eth0]", "[v.x]",
        "[v1.]", "[vz.x]", "a\u00e9")) {
      assertThat(HostSyntax.valid(bad)).as(bad).isFalse();
    }
  }

  private static IllegalArgumentException line(String text) {
    RequestLineCheck c = new RequestLineCheck();
    c.reset();
    for (byte b : text.getBytes(StandardCharsets.ISO_8859_1)) {
      c.accept(b);
    }
    return c.failure();
  }

  @Test
  void theRequestLineGrammarIsCheckedByteByByte() {
    assertThat(line("GET / HTTP/1.1\r\n")).isNull();
    assertThat(line("M-SEARCH * HTTP/1.1\r\n")).isNull();
    assertThat(line("GET http://a/b?c=%20 HTTP/1.0\r\n")).isNull();
    assertThat(line("GET / HTTP/2.0\r\n")).isNull(); // well-formed: 505 is decided later
    assertThat(line("GET / HTTP/1.1")).isNull(); // incomplete and fine so far
    assertThat(line("GET / http/1.1\r\n")).isSameAs(RequestLineCheck.BAD_VERSION);
    assertThat(line("GET / HTTP/1.10\r\n")).isSameAs(RequestLineCheck.BAD_VERSION);
    assertThat(line("GET / HTTP/01.1\r\n")).isSameAs(RequestLineCheck.BAD_VERSION);
    assertThat(line("GET / HTTP/1.1x\r\n")).isSameAs(RequestLineCheck.BAD_VERSION);
    assertThat(line("GET / HTTP/1.1 \r\n")).isSameAs(RequestLineCheck.EXTRA_SPACE);
    assertThat(line("GET /\r\n")).isSameAs(RequestLineCheck.BAD_VERSION);
    assertThat(line("GET  / HTTP/1.1\r\n")).isSameAs(RequestLineCheck.EXTRA_SPACE);
    assertThat(line("G(T / HTTP/1.1\r\n")).isSameAs(RequestLineCheck.BAD_METHOD);
    assertThat(line(" GET / HTTP/1.1\r\n")).isSameAs(RequestLineCheck.BAD_METHOD);
    for (char c : new char[] {0, 1, '\t', 0x0b, 0x7f, 0x80, 0xff}) {
      assertThat(line("GET /a" + c + "b HTTP/1.1\r\n")).as("byte %x", (int) c)
          .isSameAs(RequestLineCheck.BAD_TARGET_BYTE);
    }
    // One instance serves each request line of a connection in turn.
    RequestLineCheck c = new RequestLineCheck();
    c.reset();
    c.accept((byte) '(');
    assertThat(c.failure()).isNotNull();
    c.reset();
    assertThat(c.failure()).isNull();
  }

  @Test
  void refusalLinesAreBoundedPerSecond() {
    long second = 1_000_000 + System.nanoTime() % 1000;
    int allowed = 0;
    for (int i = 0; i < 100; i++) {
      if (RefusalLog.allowed(second)) {
        allowed++;
      }
    }
    assertThat(allowed).isEqualTo(RefusalLog.PER_SECOND);
    assertThat(RefusalLog.allowed(second + 1)).isTrue();
  }
}
