package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests that are forwarded corrected rather than refused, through the real proxy: what the
 * backend received is one request in origin-form with one Host that names the target. (The
 * refused cases are {@link BadInputTest}'s.)
 */
class StrictParsingTest {
  private static ProxyFixture f;

  @BeforeAll
  static void start() {
    f = new ProxyFixture(1);
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  private static TestBackend backend() {
    return f.backends.get(0);
  }

  @Test
  void anAbsoluteFormAuthorityWinsOverHostAndTheBackendGetsOriginForm() throws Exception {
    int before = f.requestsReceived();
    String r = f.raw("GET http://a.example:8080/echo?q=1 HTTP/1.1\r\nHost: b.example\r\n"
        + "Connection: close\r\n\r\n");
    assertThat(r).startsWith("HTTP/1.1 200");
    assertThat(f.requestsReceived()).isEqualTo(before + 1);
    assertThat(backend().lastUri).isEqualTo("/echo?q=1");
    // One Host, the authority's: never b.example, never both.
    assertThat(backend().lastHeaders.get("host")).isEqualTo("a.example:8080");
    assertThat(backend().lastHeaders.get("x-forwarded-host")).isEqualTo("a.example:8080");
    await().until(() -> f.logs.stream().anyMatch(l -> "a.example:8080".equals(l.host())));
  }

  @Test
  void anAbsoluteFormTargetWithoutPathGetsSlashAndSchemeCaseDoesNotMatter() throws Exception {
    assertThat(f.raw("GET HTTP://A.example?x=1 HTTP/1.1\r\nHost: b.example\r\n"
        + "Connection: close\r\n\r\n")).startsWith("HTTP/1.1 200");
    assertThat(backend().lastUri).isEqualTo("/?x=1");
    assertThat(backend().lastHeaders.get("host")).isEqualTo("A.example");
  }

  @Test
  void optionsForAnAuthorityBecomesAsterisk() throws Exception {
    // RFC 9112 section 3.2.4: the last proxy sends "*" for an empty path without a query.
    f.raw("OPTIONS https://a.example HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n");
    assertThat(backend().lastUri).isEqualTo("*");
    assertThat(backend().lastHeaders.get("host")).isEqualTo("a.example");
  }

  @Test
  void anHttp10RequestWithoutHostGetsTheAddressTheClientReached() throws Exception {
    String r = f.raw("GET /echo HTTP/1.0\r\n\r\n");
    assertThat(r).startsWith("HTTP/1.1 200");
    assertThat(backend().lastHeaders.get("host"))
        .isEqualTo("127.0.0.1:" + f.address.getPort());
  }

  @Test
  void anHttp10RequestKeepsTheHostItSent() throws Exception {
    f.raw("GET /echo HTTP/1.0\r\nHost: c.example\r\n\r\n");
    assertThat(backend().lastHeaders.get("host")).isEqualTo("c.example");
  }

  @Test
  void aHigherMinorVersionIsServedAsHttp11() throws Exception {
    // RFC 9110 section 6.2: HTTP/1.2 is processed as the highest 1.x ballast speaks.
    int before = f.requestsReceived();
    String r = f.raw("GET /echo HTTP/1.2\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(r).startsWith("HTTP/1.1 200");
    assertThat(f.requestsReceived()).isEqualTo(before + 1);
    // And it is HTTP/1.1 in every respect: without a Host it is refused.
    assertThat(f.raw("GET /echo HTTP/1.2\r\n\r\n")).startsWith("HTTP/1.1 400");
    assertThat(f.requestsReceived()).isEqualTo(before + 1);
  }

  @Test
  void validHostsOfEveryKindPass() throws Exception {
    for (String host : new String[] {"a.example", "A-b_c~d.example:1", "192.0.2.1:65535",
        "[::1]", "[2001:db8::1]:8080", "[::ffff:192.0.2.1]", "[v1.fe80::a+en1]", "%61.example",
        "a!$&'()*+,;=.example", ""}) {
      String r = f.raw("GET /echo HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
      assertThat(r).as("Host: %s", host).startsWith("HTTP/1.1 200");
      assertThat(backend().lastHeaders.get("host")).as("Host: %s", host).isEqualTo(host);
    }
  }
}
