package io.ballast.proxy.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.proxy.discovery.DnsBackendSpec.Kind;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Validation and arithmetic of the settings and backend entries. */
class DnsSpecsTest {
  private static final DnsDiscoverySettings D = DnsDiscoverySettings.DEFAULTS;

  @Test
  void defaults() {
    assertThat(D.nameservers()).isEmpty();
    assertThat(D.minRefresh()).isEqualTo(Duration.ofSeconds(1));
    assertThat(D.maxRefresh()).isEqualTo(Duration.ofSeconds(300));
    assertThat(D.timeout()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void theTtlIsBoundedByMinAndMaxRefresh() {
    assertThat(D.refreshAfter(0)).isEqualTo(Duration.ofSeconds(1));
    assertThat(D.refreshAfter(30)).isEqualTo(Duration.ofSeconds(30));
    assertThat(D.refreshAfter(86400)).isEqualTo(Duration.ofSeconds(300));
    assertThat(D.refreshAfter(4294967295L)).isEqualTo(Duration.ofSeconds(300));
  }

  @Test
  void retriesBackOffFromMinToMaxRefresh() {
    assertThat(List.of(1, 2, 3, 9, 10, 11, 1000).stream().map(D::retryAfter).toList())
        .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
            Duration.ofSeconds(256), Duration.ofSeconds(300), Duration.ofSeconds(300),
            Duration.ofSeconds(300));
  }

  @Test
  void settingsSayWhatWasExpected() {
    assertThatThrownBy(() -> D.withRefresh(Duration.ofMillis(10), Duration.ofSeconds(1)))
        .hasMessage("min_refresh: 10 ms (expected: >= 100 ms)");
    assertThatThrownBy(() -> D.withRefresh(Duration.ofSeconds(5), Duration.ofSeconds(1)))
        .hasMessage("max_refresh: 1000 ms (expected: between min_refresh, 5000 ms, and 1 day)");
    assertThatThrownBy(() -> D.withTimeout(Duration.ZERO))
        .hasMessage("timeout: 0 ms (expected: > 0 and <= 60 s)");
    assertThatThrownBy(() -> D.withNameservers(
        List.of(InetSocketAddress.createUnresolved("ns1.example", 53))))
        .hasMessage("nameservers: ns1.example (expected: an IP address; a nameserver cannot be"
            + " found by name)");
  }

  @Test
  void nameserversParseAsConfigWritesThem() {
    assertThat(DnsDiscoverySettings.nameserver("10.0.0.2"))
        .isEqualTo(new InetSocketAddress("10.0.0.2", 53));
    assertThat(DnsDiscoverySettings.nameserver("127.0.0.1:5353"))
        .isEqualTo(new InetSocketAddress("127.0.0.1", 5353));
    assertThat(DnsDiscoverySettings.nameserver("[fd00::53]:5353"))
        .isEqualTo(new InetSocketAddress("fd00::53", 5353));
    assertThat(DnsDiscoverySettings.nameserver("fd00::53"))
        .isEqualTo(new InetSocketAddress("fd00::53", 53));
    for (String bad : List.of("ns1.example:53", "10.0.0.2:0", "10.0.0.2:x", "[fd00::53", "")) {
      assertThatThrownBy(() -> DnsDiscoverySettings.nameserver(bad))
          .hasMessageStartingWith("nameservers: \"" + bad + "\" (expected: an IP address");
    }
  }

  @Test
  void backendEntriesAreNormalisedAndChecked() {
    DnsBackendSpec host = DnsBackendSpec.host("API.Internal.", 8080, 2, Kind.ANY);
    assertThat(host.name()).isEqualTo("api.internal");
    assertThat(host).hasToString("dns api.internal:8080 (any, weight 2)");
    assertThat(DnsBackendSpec.srv("_http._tcp.api.internal", Kind.A))
        .hasToString("srv _http._tcp.api.internal (a)");

    assertThatThrownBy(() -> DnsBackendSpec.host("10.0.0.1", 80, 1, Kind.ANY))
        .hasMessage("dns: 10.0.0.1 (expected: a host name; give an IP address as address:"
            + " instead)");
    assertThatThrownBy(() -> DnsBackendSpec.host("api..internal", 80, 1, Kind.ANY))
        .hasMessageStartingWith("dns: api..internal (expected: dot-separated labels");
    assertThatThrownBy(() -> DnsBackendSpec.host("api.internal", 0, 1, Kind.ANY))
        .hasMessage("port: 0 (expected: 1..65535)");
    assertThatThrownBy(() -> DnsBackendSpec.host("api.internal", 80, 257, Kind.ANY))
        .hasMessage("weight: 257 (expected: 1..256)");
    assertThatThrownBy(() -> DnsBackendSpec.srv("api.internal", Kind.ANY))
        .hasMessage("srv: api.internal (expected: a service name such as _http._tcp.api.internal)");
    assertThatThrownBy(() -> new DnsBackendSpec("_http._tcp.api.internal", true, 80, 0, Kind.ANY))
        .hasMessage("port: 80 (expected: none with srv: the SRV records give the ports)");
  }

  @Test
  void membersAreNamedByOwnerAndAddress() {
    assertThat(DnsMember.of("api.internal", "10.0.0.5", 8080, 1).name())
        .isEqualTo("api.internal/10.0.0.5:8080");
    assertThat(DnsMember.of("api.internal", "fd00::5", 8080, 1).name())
        .isEqualTo("api.internal/[fd00::5]:8080");
    assertThatThrownBy(() -> new DnsMember("x", "api.internal", 80, 1))
        .hasMessage("host: api.internal (expected: an IP address)");
  }
}
