package io.ballast.proxy.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.zone.Locality;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientLocalityTest {
  private static ClientLocality.Block block(String cidr, String zone) {
    return new ClientLocality.Block(Cidr.parse(cidr), Locality.parse(zone));
  }

  private static InetAddress ip(String text) {
    return Cidr.ipLiteral(text).orElseThrow();
  }

  private final ClientLocality table = new ClientLocality("X-Client-Zone", List.of(
      block("10.0.0.0/8", "eu/a"), block("10.1.0.0/16", "eu/b"), block("10.1.2.3", "eu/c"),
      block("fd00::/8", "us/a"), block("fd00:1::/32", "us/b"), block("::/0", "ap/a")));

  @Test
  void theLongestPrefixWinsPerAddressFamily() {
    assertThat(table.tableZone(ip("10.1.2.3"))).isEqualTo("eu/c");
    assertThat(table.tableZone(ip("10.1.9.9"))).isEqualTo("eu/b");
    assertThat(table.tableZone(ip("10.200.0.1"))).isEqualTo("eu/a");
    assertThat(table.tableZone(ip("192.168.0.1"))).isNull();
    assertThat(table.tableZone(ip("fd00:1:2::1"))).isEqualTo("us/b");
    assertThat(table.tableZone(ip("fd42::1"))).isEqualTo("us/a");
    assertThat(table.tableZone(ip("2001:db8::1"))).isEqualTo("ap/a");
    assertThat(table.tableZones()).extracting(Locality::toString)
        .containsExactly("ap/a", "eu/a", "eu/b", "eu/c", "us/a", "us/b");
  }

  @Test
  void theHeaderCountsOnlyFromATrustedPeerAndComesBeforeTheTable() {
    HttpHeaders headers = new DefaultHttpHeaders().set("X-Client-Zone", "eu/z");
    assertThat(table.zoneOf(headers, true, ip("10.1.9.9"))).isEqualTo("eu/z");
    assertThat(table.zoneOf(headers, false, ip("10.1.9.9"))).isEqualTo("eu/b");
    assertThat(table.zoneOf(new DefaultHttpHeaders(), true, ip("10.1.9.9"))).isEqualTo("eu/b");
    assertThat(ClientLocality.NONE.zoneOf(headers, true, ip("10.1.9.9"))).isNull();
  }

  @Test
  void aNetworkListedTwiceOrABadHeaderIsRefused() {
    assertThatThrownBy(() -> new ClientLocality(null, List.of(block("10.0.0.0/8", "eu/a"),
        block("10.0.0.0/8", "eu/b")))).hasMessage(
        "blocks: 10.0.0.0/8 twice (expected: each network once)");
    assertThatThrownBy(() -> new ClientLocality("X Zone", List.of())).hasMessage(
        "header: \"X Zone\" (expected: a header name such as X-Client-Zone)");
  }
}
