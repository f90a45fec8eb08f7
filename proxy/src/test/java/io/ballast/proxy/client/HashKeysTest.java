package io.ballast.proxy.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Request → hash key: each source, masks, trusted X-Forwarded-For, and missing keys. */
class HashKeysTest {
  private static final TrustedProxies TRUSTED =
      TrustedProxies.of(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("127.0.0.1")));

  private static HttpRequest request(String uri, String... headers) {
    HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    for (int i = 0; i < headers.length; i += 2) {
      r.headers().add(headers[i], headers[i + 1]);
    }
    return r;
  }

  private static ClientAddress peer(String ip) {
    return ClientAddress.of(new InetSocketAddress(ip, 40000), TRUSTED);
  }

  private static long key(HashKey spec, HttpRequest r, String peerIp) {
    return HashKeys.key(spec, r, peer(peerIp), TRUSTED);
  }

  @Test
  void headerCookieQueryAndPathHashTheValueOnly() {
    HashKey header = new HashKey.Header("X-User");
    assertThat(key(header, request("/a", "X-User", "alice"), "192.0.2.1"))
        .isEqualTo(key(header, request("/b?x=1", "x-user", "alice"), "198.51.100.7"))
        .isNotEqualTo(key(header, request("/a", "X-User", "bob"), "192.0.2.1"));

    HashKey cookie = new HashKey.Cookie("sid");
    long plain = key(cookie, request("/", "Cookie", "a=1; sid=abc; b=2"), "192.0.2.1");
    assertThat(key(cookie, request("/", "Cookie", "sid=abc"), "192.0.2.1")).isEqualTo(plain);
    assertThat(key(cookie, request("/", "Cookie", "sid=\"abc\"; a=1"), "192.0.2.1")).isEqualTo(plain);
    assertThat(key(cookie, request("/", "Cookie", "xsid=abc; sid=abd"), "192.0.2.1")).isNotEqualTo(plain);

    HashKey query = new HashKey.Query("user");
    long q = key(query, request("/p?a=1&user=42&b=2"), "192.0.2.1");
    assertThat(key(query, request("/other?user=42"), "192.0.2.1")).isEqualTo(q);
    assertThat(key(query, request("/p?username=42&user=43"), "192.0.2.1")).isNotEqualTo(q);

    HashKey path = new HashKey.Path();
    assertThat(key(path, request("/cart/7?x=1"), "192.0.2.1"))
        .isEqualTo(key(path, request("/cart/7"), "203.0.113.9"))
        .isNotEqualTo(key(path, request("/cart/8"), "192.0.2.1"));
  }

  @Test
  void aMissingKeyIsRandomSoKeylessRequestsSpread() {
    HashKey header = new HashKey.Header("X-User");
    long a = key(header, request("/"), "192.0.2.1");
    long b = key(header, request("/"), "192.0.2.1");
    long c = key(header, request("/"), "192.0.2.1");
    assertThat(List.of(a, b, c)).doesNotHaveDuplicates();
    assertThat(key(new HashKey.Cookie("sid"), request("/", "Cookie", "other=1"), "192.0.2.1"))
        .isNotEqualTo(key(new HashKey.Cookie("sid"), request("/", "Cookie", "other=1"), "192.0.2.1"));
  }

  @Test
  void clientIpMasksPutASubnetOnOneKey() {
    HashKey slash24 = new HashKey.ClientIp(24, 64);
    assertThat(key(slash24, request("/"), "192.0.2.1"))
        .isEqualTo(key(slash24, request("/"), "192.0.2.200"))
        .isNotEqualTo(key(slash24, request("/"), "192.0.3.1"));
    assertThat(key(slash24, request("/"), "2001:db8:1:2::1"))
        .isEqualTo(key(slash24, request("/"), "2001:db8:1:2:ffff::9"))
        .isNotEqualTo(key(slash24, request("/"), "2001:db8:1:3::1"));
    assertThat(key(HashKey.CLIENT_IP, request("/"), "192.0.2.1"))
        .isNotEqualTo(key(HashKey.CLIENT_IP, request("/"), "192.0.2.200"));
  }

  @Test
  void xForwardedForCountsOnlyThroughTrustedProxies() throws Exception {
    HashKey ip = HashKey.CLIENT_IP;
    long client = HashKeys.address(InetAddress.getByName("203.0.113.9"), (HashKey.ClientIp) ip);
    // Through a trusted peer and a trusted hop: the right-most untrusted entry is the client.
    assertThat(key(ip, request("/", "X-Forwarded-For", "198.51.100.1, 203.0.113.9, 10.1.2.3"),
        "127.0.0.1")).isEqualTo(client);
    // Repeated headers read as one list.
    assertThat(key(ip, request("/", "X-Forwarded-For", "203.0.113.9", "X-Forwarded-For", "10.0.0.5"),
        "127.0.0.1")).isEqualTo(client);
    // From an untrusted peer the header is ignored: the peer is the client.
    assertThat(key(ip, request("/", "X-Forwarded-For", "203.0.113.9"), "192.0.2.50"))
        .isEqualTo(HashKeys.address(InetAddress.getByName("192.0.2.50"), (HashKey.ClientIp) ip));
    // Garbage stops the walk at the last address that could be trusted.
    assertThat(key(ip, request("/", "X-Forwarded-For", "203.0.113.9, not-an-ip, 10.0.0.7"),
        "127.0.0.1")).isEqualTo(
            HashKeys.address(InetAddress.getByName("10.0.0.7"), (HashKey.ClientIp) ip));
  }
}
