package io.ballast.server.config;

import static io.ballast.server.config.ConfigLoaderTest.errors;
import static io.ballast.server.config.ConfigLoaderTest.valid;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.zone.Locality;
import io.ballast.core.zone.ZoneSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZonesConfigTest {
  private static final String LISTENER = """
      listeners:
        - {name: web, bind: "127.0.0.1:8080", pool: api}
      """;

  /** A pool of one backend in eu/a; ends on line 6. */
  private static final String ZONED = LISTENER + """
      pools:
        - name: api
          backends:
            - {address: "127.0.0.1:9001", zone: eu/a}
      """;
  /** A pool of one backend without a zone; ends on line 6. */
  private static final String PLAIN = LISTENER + """
      pools:
        - name: api
          backends:
            - {address: "127.0.0.1:9001"}
      """;

  @TempDir
  Path dir;

  @Test
  void readsBackendZonesTheZonesBlockAndTheLocalityBlock() throws Exception {
    Path table = Files.writeString(dir.resolve("clients.txt"), """
        # office networks
        10.1.0.0/16 eu-west/eu-west-1a
        10.2.0.0/16   eu-west/eu-west-1c  # no backends there

        fd00:1::/32 us-east/us-east-1a
        """);
    ConfigResult.Valid v = valid(LISTENER + """
        pools:
          - name: api
            backends:
              - {address: "127.0.0.1:9001", zone: eu-west/eu-west-1a}
              - {address: "127.0.0.1:9002", zone: eu-west/eu-west-1b}
              - {address: "127.0.0.1:9003", zone: us-east/us-east-1a}
            zones:
              min_healthy_percent: 80
              region_priority: [eu-west, us-east]
              latency:
                eu-west/eu-west-1a: {eu-west/eu-west-1b: 2ms}
                eu-west-1c: {eu-west-1a: 1ms}
        forwarding:
          trusted_proxies: ["10.0.0.0/8"]
        locality:
          header: X-Client-Zone
          cidr_file: "%s"
        """.formatted(table));
    assertThat(v.warnings()).isEmpty();
    BallastConfig c = v.config();
    PoolConfig p = c.pools().get(0);
    assertThat(p.backends()).extracting(b -> b.zone().orElseThrow().toString())
        .containsExactly("eu-west/eu-west-1a", "eu-west/eu-west-1b", "us-east/us-east-1a");
    ZoneSettings z = p.zones().orElseThrow();
    assertThat(z.minHealthyPercent()).isEqualTo(80);
    assertThat(z.regionPriority()).containsExactly("eu-west", "us-east");
    assertThat(z.latency(Locality.parse("eu-west/eu-west-1b"), Locality.parse("eu-west/eu-west-1a")))
        .isEqualTo(Duration.ofMillis(2));
    assertThat(c.locality().header()).contains("X-Client-Zone");
    assertThat(c.locality().blocks()).extracting(Object::toString).containsExactly(
        "10.1.0.0/16 eu-west/eu-west-1a", "10.2.0.0/16 eu-west/eu-west-1c",
        "fd00:1:0:0:0:0:0:0/32 us-east/us-east-1a");
  }

  @Test
  void backendsWithZonesAndNoBlockGetTheDefaultsAndPoolsWithoutZonesStayPlain() {
    ConfigResult.Valid v = valid(LISTENER + """
        pools:
          - name: api
            backends:
              - {address: "127.0.0.1:9001", zone: eu/a}
              - {address: "127.0.0.1:9002", zone: eu/b}
          - name: plain
            backends:
              - {address: "127.0.0.1:9003"}
        locality: {header: X-Zone}
        forwarding: {trusted_proxies: ["10.0.0.0/8"]}
        """);
    assertThat(v.config().pool("api").orElseThrow().zones()).contains(ZoneSettings.DEFAULTS);
    assertThat(v.config().pool("plain").orElseThrow().zones()).isEmpty();
    assertThat(v.config().locality().blocks()).isEmpty();
  }

  @Test
  void errorsNameTheFieldAndLine() {
    assertThat(errors(LISTENER + """
        pools:
          - name: api
            backends:
              - {address: "127.0.0.1:9001", zone: eu-west}
              - {address: "127.0.0.1:9002", zone: eu/b}
              - {address: "127.0.0.1:9003"}
            zones:
              min_healthy_percent: 0
              region_priority: eu
              latency:
                eu/b: {eu/c/d: 2ms, eu/b: 1ms}
                eu/a: 5
              spill: yes
        """)).containsExactly(
        "test.yaml:6:43: pools[0].backends[0].zone: locality: \"eu-west\" (expected: region/zone,"
            + " e.g. eu-west/eu-west-1a)",
        "test.yaml:8:9: pools[0].backends[2].zone: missing, but pools[0].backends[1] at 7:9 has"
            + " zone eu/b (expected: a zone on every backend of the pool, or on none)",
        "test.yaml:10:28: pools[0].zones.min_healthy_percent: 0 (expected: 1..100%)",
        "test.yaml:11:24: pools[0].zones.region_priority: found string 'eu' (expected: a list of"
            + " a region name of letters, digits, '.', '-' and '_')",
        "test.yaml:13:16: pools[0].zones.latency.eu/b.eu/c/d: key 'eu/c/d' (expected:"
            + " region/zone, e.g. eu-west/eu-west-1a, or a zone name)",
        "test.yaml:13:35: pools[0].zones.latency.eu/b.eu/b: 1ms from a zone to itself"
            + " (expected: 0, or no entry)",
        "test.yaml:14:15: pools[0].zones.latency.eu/a: found integer 5 (expected: a mapping of"
            + " zones to latencies, e.g. {eu-west/eu-west-1b: 2ms})",
        "test.yaml:15:7: pools[0].zones.spill: unknown field 'spill' (expected one of:"
            + " min_healthy_percent, region_priority, latency)");
  }

  @Test
  void aZonesBlockNeedsZonedBackendsAndTheMatrixNamesKnownZones() {
    assertThat(errors(PLAIN + """
            zones: {min_healthy_percent: 50}
        """)).containsExactly("test.yaml:7:5: pools[0].zones: set, but no backend has a zone"
        + " (expected: zone: region/zone on every backend, e.g. zone: eu-west/eu-west-1a)");
    assertThat(errors(LISTENER + """
        pools:
          - name: api
            backends:
              - {address: "127.0.0.1:9001", zone: eu/a}
              - {address: "127.0.0.1:9002", zone: us/a}
            zones:
              latency:
                eu/a: {eu/b: 2ms}
                a: {us/a: 80ms}
        locality: {header: X-Zone}
        forwarding: {trusted_proxies: ["10.0.0.0/8"]}
        """)).containsExactly(
        "test.yaml:10:16: pools[0].zones.latency.eu/a.eu/b: no zone eu/b in pool api (expected"
            + " one of its backends' or clients' zones: eu/a, us/a)",
        "test.yaml:11:9: pools[0].zones.latency.a: zone a is in several regions [eu/a, us/a]"
            + " (expected: region/zone)");
  }

  @Test
  void tableFileErrorsNameTheFileAndLine() throws Exception {
    Path table = Files.writeString(dir.resolve("clients.txt"), """
        10.1.0.0/16 eu/a
        10.1.0.1/16 eu/a
        10.2.0.0/33 eu/a
        10.3.0.0/16
        10.4.0.0/16 eu
        10.1.0.0/16 eu/b
        """);
    List<String> errors = errors(ZONED + """
        locality:
          cidr_file: "%s"
        """.formatted(table));
    String at = "test.yaml:8:14: locality.cidr_file: " + table + ":";
    assertThat(errors).containsExactly(
        at + "2: '10.1.0.1/16' has host bits set (expected: 10.1.0.0/16)",
        at + "3: '10.2.0.0/33': prefix length '33' (expected: 0..32)",
        at + "4: '10.3.0.0/16' (expected: a network and a zone, e.g. 10.1.0.0/16 eu-west/eu-west-1a)",
        at + "5: locality: \"eu\" (expected: region/zone, e.g. eu-west/eu-west-1a)",
        at + "6: 10.1.0.0/16 again (first on line 1; expected: each network once)");
    assertThat(errors(PLAIN + """
        locality:
          cidr_file: "%s"
        """.formatted(dir.resolve("missing.txt")))).singleElement().asString()
        .startsWith("test.yaml:8:14: locality.cidr_file: cannot read '" + dir.resolve("missing.txt"));
    assertThat(errors(PLAIN + """
        locality: {}
        """)).containsExactly("test.yaml:7:11: locality: neither header nor cidr_file is set"
        + " (expected: one of them or both; without the block every client's zone is unknown)");
  }

  @Test
  void warnsAboutAnUntrustedHeaderAndAZoneAwarePoolWithoutLocality() {
    assertThat(valid(ZONED + """
            zones: {region_priority: [eu, us]}
        """).warnings()).extracting(Object::toString).containsExactly(
        "test.yaml:3:1: locality: pool api is zone-aware but no locality block says where clients"
            + " are, so it balances every request over all zones (expected: locality: {header:"
            + " ..., cidr_file: ...})",
        "test.yaml:7:30: pools[0].zones.region_priority[1]: no backend of the pool is in region"
            + " us (expected one of: eu)");
    assertThat(valid(ZONED + """
        locality: {header: X-Zone}
        """).warnings()).extracting(Object::toString).containsExactly(
        "test.yaml:7:20: locality.header: X-Zone is read only from trusted proxies and"
            + " forwarding.trusted_proxies is empty, so it is never read (expected: the proxies"
            + " that set it in forwarding.trusted_proxies)");
  }
}
