package io.ballast.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.proxy.client.ClientAddress;
import io.ballast.proxy.client.TrustedProxies;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Location an https redirect builds from a request, the hosts it refuses, and the rule that
 * a secure connection is never redirected. Through the real proxy: {@code HttpsRedirectTest}.
 */
class HttpsRedirectLocationTest {
  private static final RouteTable TABLE = RouteTable.of(List.of(
      RouteSpec.redirect("alt", new RouteMatch(List.of("alt.example.com"), null, java.util.Set.of(),
          List.of(), List.of()), List.of(), new HttpsRedirect(8443, 308)),
      RouteSpec.redirect("https", RouteMatch.ANY, List.of(), HttpsRedirect.DEFAULT)));

  /**
   * Facts of a request whose headers are not validated: the decoder refuses CR and LF in a
   * value, and the redirect must refuse them too should any codec let them through.
   */
  private static RequestFacts facts(HttpVersion version, String uri, String... hosts) {
    HttpRequest req = new DefaultHttpRequest(version, HttpMethod.GET, uri,
        DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders());
    for (String h : hosts) {
      req.headers().add("Host", h);
    }
    return RequestFacts.of(req, ClientAddress.UNKNOWN, TrustedProxies.NONE);
  }

  private static RoutedRequest answer(RequestFacts facts) {
    Route r = TABLE.match(facts, false);
    return r.spec.httpsRedirect().answer(facts, r);
  }

  /** The Location of a redirected request, or "400: reason" when it is refused. */
  private static String location(String uri, String... hosts) {
    RoutedRequest r = answer(facts(HttpVersion.HTTP_1_1, uri, hosts));
    return r.location() != null ? r.localStatus() + " " + r.location()
        : r.localStatus() + ": " + r.localReason();
  }

  @Test
  void theLocationIsTheSameRequestOnHttpsWithTheConfiguredPortAndStatus() {
    assertThat(location("/a/b?x=1&y=%20z", "example.com"))
        .isEqualTo("301 https://example.com/a/b?x=1&y=%20z");
    // The request's port goes; 443 is not written; case and one trailing dot are routing's.
    assertThat(location("/", "Example.COM.:8080")).isEqualTo("301 https://example.com/");
    assertThat(location("/x?", "example.com")).isEqualTo("301 https://example.com/x?");
    assertThat(location("/p", "alt.example.com")).isEqualTo("308 https://alt.example.com:8443/p");
    // The path as received: not normalised, no fragment.
    assertThat(location("/a/../%7Eb#frag", "example.com"))
        .isEqualTo("301 https://example.com/a/../%7Eb");
    assertThat(location("/", "192.0.2.7:80")).isEqualTo("301 https://192.0.2.7/");
    assertThat(location("/v6?q", "[2001:DB8::1]:8080")).isEqualTo("301 https://[2001:db8::1]/v6?q");
    assertThat(location("/", "[::ffff:192.0.2.1]")).isEqualTo("301 https://[::ffff:192.0.2.1]/");
  }

  @Test
  void anAbsoluteFormTargetGivesItsPathAndTheHostRoutingMatched() {
    assertThat(location("http://example.com:80/a?b=c", "example.com"))
        .isEqualTo("301 https://example.com/a?b=c");
    assertThat(location("http://example.com", "example.com")).isEqualTo("301 https://example.com/");
    // HTTP/1.0 without Host: the target's authority is the request's host, as for routing.
    RoutedRequest r = answer(facts(HttpVersion.HTTP_1_0, "http://Example.com:8080/x"));
    assertThat(r.location()).isEqualTo("https://example.com/x");
  }

  @Test
  void aRequestWithoutAUsableHostGets400() {
    RoutedRequest none = answer(facts(HttpVersion.HTTP_1_0, "/x"));
    assertThat(none.localStatus()).isEqualTo(400);
    assertThat(none.location()).isNull();
    assertThat(none.localReason()).isEqualTo("no https redirect by route https: no host");
    // An origin-form target names no host, whatever its query says.
    assertThat(answer(facts(HttpVersion.HTTP_1_0, "/go?to=http://evil.example/")).localReason())
        .endsWith(": no host");
    assertThat(location("/", "a.example", "b.example"))
        .isEqualTo("400: no https redirect by route https: more than one host");
    for (String bad : List.of("", "a b", "a\tb", "evil.example\r\nSet-Cookie: x=1",
        "user@example.com", "user:pw@example.com", "example.com/evil", "example.com\\evil",
        "example.com?x", "example.com#x", "ex%41mple.com", "..", ".example.com", "a..b",
        "example.com:80x", "example.com:123456", "example.com:65536", "[::1", "[::1]x",
        "[::1]:x", "[v1.abc]", "[fe80::1%25eth0]", "[]", "[1.2.3.4]", "a:b:c", "ex\u00e4mple.com",
        "x".repeat(254))) {
      assertThat(location("/", bad)).as("Host: %s", bad)
          .isEqualTo("400: no https redirect by route https: host is not a name or an address");
    }
    assertThat(location("/", "x".repeat(253) + ".")).startsWith("301 ");
    assertThat(location("/", "example.com:")).isEqualTo("301 https://example.com/");
  }

  @Test
  void aTargetThatIsNoPathOfVisibleAsciiGets400() {
    String refused = "400: no https redirect by route https: request target is not a path of"
        + " visible ascii";
    assertThat(location("*", "example.com")).isEqualTo(refused);
    assertThat(location("/a\u00e4", "example.com")).isEqualTo(refused);
    assertThat(location("/a?b=\u0001", "example.com")).isEqualTo(refused);
  }

  @Test
  void aSecureConnectionSkipsRedirectingRoutes() {
    RequestFacts facts = facts(HttpVersion.HTTP_1_1, "/", "alt.example.com");
    assertThat(TABLE.match(facts, false).name).isEqualTo("alt");
    assertThat(TABLE.match(facts, true)).isNull();
    assertThat(ClientAddress.of(new java.net.InetSocketAddress("127.0.0.1", 1),
        TrustedProxies.NONE).secure()).isFalse();
  }

  @Test
  void portAndStatusAreCheckedWhenMade() {
    assertThatThrownBy(() -> new HttpsRedirect(443, 200))
        .hasMessage("status: 200 (expected: one of 301, 302, 303, 307, 308)");
    assertThatThrownBy(() -> new HttpsRedirect(0, 301))
        .hasMessage("port: 0 (expected: 1..65535)");
    assertThatThrownBy(() -> new HttpsRedirect(65536, 301))
        .hasMessage("port: 65536 (expected: 1..65535)");
    assertThat(HttpsRedirect.DEFAULT).isEqualTo(new HttpsRedirect(443, 301))
        .hasToString("https redirect 301");
    assertThat(new HttpsRedirect(8443, 308)).hasToString("https redirect 308 to port 8443");
  }

  @Test
  void aRedirectingRouteHasNothingThatOnlyProxiedRequestsUse() {
    assertThatThrownBy(() -> new RouteSpec("r", RouteMatch.ANY, List.of(), null, null, null,
        java.time.Duration.ofSeconds(1), HeaderOps.NONE, HeaderOps.NONE, null, null, null,
        HttpsRedirect.DEFAULT)).hasMessageContaining("route r: httpsRedirect with what applies"
            + " to proxied requests only");
    assertThatThrownBy(() -> new RouteSpec("r", RouteMatch.ANY, List.of(), null, null, null,
        null, HeaderOps.NONE, HeaderOps.NONE, null, null, null, null))
        .hasMessage("route r: pool, split and httpsRedirect (expected: exactly one of them)");
  }
}
