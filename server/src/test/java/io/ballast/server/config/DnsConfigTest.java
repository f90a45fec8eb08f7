package io.ballast.server.config;

import static io.ballast.server.config.ConfigLoaderTest.BASE;
import static io.ballast.server.config.ConfigLoaderTest.errors;
import static io.ballast.server.config.ConfigLoaderTest.valid;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.AdminState;
import io.ballast.core.zone.Locality;
import io.ballast.proxy.discovery.DnsBackendSpec;
import io.ballast.proxy.discovery.DnsBackendSpec.Kind;
import io.ballast.proxy.discovery.DnsDiscoverySettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Backend entries by DNS name ({@code dns:}, {@code srv:}) and the {@code discovery} section. */
class DnsConfigTest {
  /** {@link ConfigLoaderTest#BASE} up to its pool's backends list, which tests write (line 8 on). */
  private static final String HEAD = BASE.substring(0, BASE.indexOf("      - address"));

  /** A file whose one pool has {@code backends}, a list written at the indent of its fields. */
  private static String entries(String backends) {
    return HEAD + backends.indent(2);
  }

  private static PoolConfig pool(String backends) {
    return valid(entries(backends)).config().pools().get(0);
  }

  @Test
  void dnsAndSrvEntriesMixWithStaticBackends() {
    PoolConfig pool = pool("""
            - address: "10.0.0.9:8080"
            - dns: API.Internal.
              port: 8080
            - dns: api.internal
              port: 8081
              weight: 3
              kind: a
              state: drain
              cost: 0.5
            - srv: _http._tcp.web.internal
              kind: aaaa
        """);

    assertThat(pool.backends()).extracting(BackendConfig::name).containsExactly("10.0.0.9:8080");
    assertThat(pool.dnsBackends()).containsExactly(
        DnsBackendConfig.host("api.internal", 8080, 1, Kind.ANY),
        new DnsBackendConfig("api.internal", false, 8081, 3, Kind.A, AdminState.DRAINING, 0.5,
            Optional.empty()),
        DnsBackendConfig.srv("_http._tcp.web.internal", Kind.AAAA));
    assertThat(pool.dnsBackends().get(1).toSpec())
        .isEqualTo(DnsBackendSpec.host("api.internal", 8081, 3, Kind.A));
    assertThat(pool.dnsBackends().get(2).toSpec())
        .isEqualTo(DnsBackendSpec.srv("_http._tcp.web.internal", Kind.AAAA));
  }

  @Test
  void aPoolMayHaveOnlyDnsEntriesAndTheirZonesCount() {
    PoolConfig pool = pool("""
            - srv: _http._tcp.api.internal
              zone: eu-west/eu-west-1a
            - dns: api-b.internal
              port: 80
              zone: eu-west/eu-west-1b
        """);
    assertThat(pool.backends()).isEmpty();
    assertThat(pool.dnsBackends()).extracting(DnsBackendConfig::zone).containsExactly(
        Optional.of(new Locality("eu-west", "eu-west-1a")),
        Optional.of(new Locality("eu-west", "eu-west-1b")));
    assertThat(pool.zones()).isPresent();

    assertThat(errors(entries("""
            - address: "10.0.0.9:8080"
              zone: eu-west/eu-west-1a
            - dns: api.internal
              port: 80
        """))).containsExactly("test.yaml:10:9: pools[0].backends[1].zone: missing, but"
            + " pools[0].backends[0] at 8:9 has zone eu-west/eu-west-1a (expected: a zone on every"
            + " backend of the pool, or on none)");
  }

  @Test
  void anEntryIsExactlyOneOfAddressDnsAndSrv() {
    assertThat(errors(entries("""
            - address: "10.0.0.9:8080"
              dns: api.internal
              port: 80
            - srv: _http._tcp.api.internal
              dns: api.internal
              wieght: 2
        """))).containsExactly(
        "test.yaml:9:9: pools[0].backends[0].dns: both address and dns (expected: exactly one of"
            + " address, dns, srv)",
        "test.yaml:11:9: pools[0].backends[1].srv: both dns and srv (expected: exactly one of"
            + " address, dns, srv)",
        "test.yaml:13:9: pools[0].backends[1].wieght: unknown field 'wieght' (did you mean"
            + " 'weight'?)");
  }

  @Test
  void dnsNeedsAPortAndSrvTakesNoPortOrWeight() {
    assertThat(errors(entries("""
            - dns: api.internal
              weight: 2
            - srv: _http._tcp.api.internal
              port: 8080
              weight: 2
            - address: "10.0.0.9:8080"
              port: 8080
              kind: a
        """))).containsExactly(
        "test.yaml:8:9: pools[0].backends[0].port: required field is missing (expected: an"
            + " integer 1..65535)",
        "test.yaml:11:9: pools[0].backends[1].port: set, but the SRV records give the ports"
            + " (expected: no port with srv)",
        "test.yaml:12:9: pools[0].backends[1].weight: set, but the SRV records give the weights"
            + " (expected: no weight with srv)",
        "test.yaml:14:9: pools[0].backends[2].port: set, but address has the port (expected:"
            + " port only with dns)",
        "test.yaml:15:9: pools[0].backends[2].kind: set, but address is one backend (expected:"
            + " kind only with dns or srv)");
  }

  @Test
  void kindPortWeightAndNameAreChecked() {
    assertThat(errors(entries("""
            - dns: api.internal
              port: 70000
              kind: aa
            - dns: api.internal
              port: 8080
              weight: 0
              name: api
        """))).containsExactly(
        "test.yaml:9:15: pools[0].backends[0].port: 70000 (expected: 1..65535)",
        "test.yaml:10:15: pools[0].backends[0].kind: 'aa' (expected: one of a, aaaa, any)",
        "test.yaml:13:17: pools[0].backends[1].weight: 0 (expected: 1..256)",
        "test.yaml:14:9: pools[0].backends[1].name: set, but the members of a dns entry are"
            + " named by the name and the address they resolve to, as api.internal/10.0.0.5:8080"
            + " (expected: name only with address)");
  }

  @Test
  void aDnsNameMustBeAHostName() {
    assertThat(errors(entries("""
            - {dns: "api..internal", port: 80}
            - {dns: "10.0.0.5", port: 80}
            - {dns: "api.internal:8080", port: 80}
            - {dns: "api_x!.internal", port: 80}
            - {srv: "api.internal"}
            - {dns: 42, port: 80}
        """))).containsExactly(
        "test.yaml:8:15: pools[0].backends[0].dns: 'api..internal' (expected: a host name of"
            + " dot-separated labels of 1..63 letters, digits, '-' or '_'; '' is not one)",
        "test.yaml:9:15: pools[0].backends[1].dns: '10.0.0.5' is an IP address (expected: a host"
            + " name; a backend at a fixed address is written address: \"host:port\")",
        "test.yaml:10:15: pools[0].backends[2].dns: 'api.internal:8080' (expected: a host name"
            + " without a port; the port goes in port:)",
        "test.yaml:11:15: pools[0].backends[3].dns: 'api_x!.internal' (expected: a host name of"
            + " dot-separated labels of 1..63 letters, digits, '-' or '_'; 'api_x!' is not one)",
        "test.yaml:12:15: pools[0].backends[4].srv: 'api.internal' (expected: a service name"
            + " such as _http._tcp.api.internal)",
        "test.yaml:13:15: pools[0].backends[5].dns: found integer 42 (expected: a host name such"
            + " as api.internal)");
  }

  @Test
  void namesAreUniqueAmongStaticBackendsAndEntriesAmongDnsOnes() {
    assertThat(errors(entries("""
            - {name: a, address: "10.0.0.1:80"}
            - {dns: api.internal, port: 80}
            - {name: a, address: "10.0.0.2:80"}
            - {dns: API.internal., port: 80, kind: a}
            - {dns: api.internal, port: 81}
            - {srv: _http._tcp.api.internal}
            - {srv: _http._tcp.api.internal, kind: a}
        """))).containsExactly(
        "test.yaml:10:16: pools[0].backends[2].name: duplicate backend name 'a' (first at 8:16;"
            + " expected: unique names within a pool; without a name, a backend is named by its"
            + " address)",
        "test.yaml:11:15: pools[0].backends[3].dns: duplicate dns entry 'api.internal' port 80"
            + " (first at 9:15; expected: each name and port once per pool: the same members"
            + " would be listed twice)",
        "test.yaml:14:15: pools[0].backends[6].srv: duplicate srv entry '_http._tcp.api.internal'"
            + " (first at 13:15; expected: each name once per pool: the same members would be"
            + " listed twice)");
  }

  @Test
  void discoveryDefaultsAndEveryKey() {
    String base = HEAD + "      - {srv: _http._tcp.api.internal}\n";
    assertThat(valid(base).config().discovery()).isEqualTo(DiscoveryConfig.DEFAULTS);
    assertThat(valid(base + "discovery: {}\n").config().discovery())
        .isEqualTo(DiscoveryConfig.DEFAULTS);

    DnsDiscoverySettings dns = valid(base + """
        discovery:
          dns:
            nameservers: ["127.0.0.1:5353", "10.0.0.2", "[fd00::53]:53"]
            min_refresh: 500ms
            max_refresh: 1h
            timeout: 3s
        """).config().discovery().dns();
    assertThat(dns).isEqualTo(new DnsDiscoverySettings(List.of(
        new InetSocketAddress("127.0.0.1", 5353), new InetSocketAddress("10.0.0.2", 53),
        new InetSocketAddress("fd00::53", 53)), Duration.ofMillis(500), Duration.ofHours(1),
        Duration.ofSeconds(3)));
  }

  @Test
  void discoveryErrorsNameTheFieldAndTheListItem() {
    String base = HEAD + "      - {srv: _http._tcp.api.internal}\n";
    assertThat(errors(base + """
        discovery:
          dns:
            nameservers: ["127.0.0.1:5353", "ns.internal", "10.0.0.2:0"]
            min_refresh: 50ms
            max_refresh: 48h
            timeout: 90s
          consul: {}
        """)).containsExactly(
        "test.yaml:11:37: discovery.dns.nameservers[1]: 'ns.internal' (expected: an IP address"
            + " with an optional port, as 10.0.0.2, 10.0.0.2:5353 or [fd00::53]:53; a nameserver"
            + " is not found by name)",
        "test.yaml:11:52: discovery.dns.nameservers[2]: '10.0.0.2:0' (expected: an IP address"
            + " with an optional port, as 10.0.0.2, 10.0.0.2:5353 or [fd00::53]:53; a nameserver"
            + " is not found by name)",
        "test.yaml:12:18: discovery.dns.min_refresh: 50ms (expected: >= 100ms)",
        "test.yaml:13:18: discovery.dns.max_refresh: 48h (expected: <= 24h)",
        "test.yaml:14:14: discovery.dns.timeout: 90s (expected: <= 1m)",
        "test.yaml:15:3: discovery.consul: unknown field 'consul' (expected one of: dns)");

    assertThat(errors(base + """
        discovery:
          dns: {min_refresh: 10m, max_refresh: 5m, nameservers: []}
        """)).containsExactly(
        "test.yaml:10:22: discovery.dns.min_refresh: 10m (expected: <= max_refresh 5m)",
        "test.yaml:10:57: discovery.dns.nameservers: an empty list (expected: at least 1 item)");
    assertThat(errors(base + "discovery: {dns: {min_refresh: 10m}}\n")).containsExactly(
        "test.yaml:9:32: discovery.dns.min_refresh: 10m (expected: <= max_refresh 5m)");
    assertThat(errors(base + "discovery: {dns: {max_refresh: 500ms}}\n")).containsExactly(
        "test.yaml:9:32: discovery.dns.max_refresh: 500ms (expected: >= min_refresh 1s, the"
            + " default min_refresh)");
  }

  @Test
  void theDnsExampleIsWhatItSays() {
    BallastConfig config = ConfigLoader.load(Path.of("..", "examples", "dns.yaml")).orElseThrow();
    assertThat(config.pools()).allSatisfy(p -> assertThat(p.dnsBackends()).isNotEmpty());
    assertThat(config.discovery().dns().nameservers()).isNotEmpty();
  }
}
