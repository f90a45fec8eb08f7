package io.ballast.core.zone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.pick.Algorithm;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ZoneValuesTest {
  @Test
  void localityParsesAndPrintsRegionSlashZone() {
    Locality l = Locality.parse("eu-west/eu-west-1a");
    assertThat(l).isEqualTo(new Locality("eu-west", "eu-west-1a"));
    assertThat(l).hasToString("eu-west/eu-west-1a");
    assertThat(Locality.parse(l.toString())).isEqualTo(l);
  }

  @Test
  void localityRejectsWhatCouldNotRoundTrip() {
    assertThatThrownBy(() -> Locality.parse("eu-west"))
        .hasMessage("locality: \"eu-west\" (expected: region/zone, e.g. eu-west/eu-west-1a)");
    assertThatThrownBy(() -> Locality.parse("a/b/c"))
        .hasMessageStartingWith("locality: \"a/b/c\" (expected: region/zone");
    assertThatThrownBy(() -> Locality.parse("/eu-1a"))
        .hasMessage("region: \"\" (expected: not blank)");
    assertThatThrownBy(() -> new Locality("eu", " "))
        .hasMessage("zone: \" \" (expected: not blank)");
    assertThatThrownBy(() -> new Locality("eu/x", "a"))
        .hasMessage("region: \"eu/x\" (expected: no '/')");
  }

  @Test
  void zoneMapIndexesZonesInRegionThenZoneOrder() {
    ZoneMap m = ZoneMap.of(
        List.of(Locality.parse("us/us-1a"), Locality.parse("eu/eu-1b"), Locality.parse("eu/eu-1a"),
            Locality.parse("eu/eu-1a")),
        List.of(Locality.parse("eu/eu-1c"), Locality.parse("eu/eu-1a")));
    assertThat(m.size()).isEqualTo(4);
    assertThat(m.index("eu/eu-1a")).isEqualTo(0);
    assertThat(m.index("eu/eu-1b")).isEqualTo(1);
    assertThat(m.index("eu/eu-1c")).isEqualTo(2);
    assertThat(m.index("us/us-1a")).isEqualTo(3);
    assertThat(m.index(Locality.parse("us/us-1a"))).isEqualTo(3);
    assertThat(m.index("ap/ap-1a")).isEqualTo(-1);
    assertThat(m.index("eu-1a")).isEqualTo(-1);
    assertThat(m.index((String) null)).isEqualTo(-1);
    assertThat(m.hasBackends(2)).isFalse();
    assertThat(m.hasBackends(0)).isTrue();
    assertThat(m).hasToString(
        "ZoneMap[0=eu/eu-1a, 1=eu/eu-1b, 2=eu/eu-1c (clients only), 3=us/us-1a]");
  }

  @Test
  void settingsValidateWithClearMessages() {
    assertThatThrownBy(() -> new ZoneSettings(0, List.of(), Map.of()))
        .hasMessage("minHealthyPercent: 0 (expected: 1..100)");
    assertThatThrownBy(() -> new ZoneSettings(101, List.of(), Map.of()))
        .hasMessage("minHealthyPercent: 101 (expected: 1..100)");
    assertThatThrownBy(() -> new ZoneSettings(70, List.of("eu", "us", "eu"), Map.of()))
        .hasMessage("regionPriority[2]: eu (expected: each region once)");
    assertThatThrownBy(() -> new ZoneSettings(70, List.of("eu/x"), Map.of()))
        .hasMessage("regionPriority[0]: \"eu/x\" (expected: a region name, not blank, no '/')");
    assertThatThrownBy(() -> new ZoneSettings(70, List.of(),
        Map.of("eu-1a", Map.of("eu-1b", Duration.ofMillis(-1)))))
        .hasMessage("latency[eu-1a][eu-1b]: PT-0.001S (expected: >= 0)");
    assertThatThrownBy(() -> new ZoneSettings(70, List.of(),
        Map.of("eu/1a/x", Map.of("eu-1b", Duration.ofMillis(1)))))
        .hasMessage("latency: key \"eu/1a/x\" (expected: region/zone or a zone name)");
    assertThatThrownBy(() -> new ZoneSettings(70, List.of(),
        Map.of("eu-1a", Map.of("eu-1a", Duration.ofMillis(1)))))
        .hasMessage("latency[eu-1a][eu-1a]: PT0.001S (expected: 0 from a zone to itself, or no entry)");
    assertThatThrownBy(() -> new ZoneSettings(70, List.of(), Map.of(), Duration.ofMillis(5),
        Duration.ofMillis(5)))
        .hasMessage("crossRegionLatency: PT0.005S (expected: > sameRegionLatency PT0.005S)");
  }

  @Test
  void latencyIsLookedUpInEitherDirectionWithDefaultsForMissingPairs() {
    ZoneSettings s = new ZoneSettings(70, List.of(), Map.of(
        "eu-1a", Map.of("eu/eu-1b", Duration.ofMillis(2)),
        "eu/eu-1b", Map.of("eu-1a", Duration.ofMillis(3)),
        "us/us-1a", Map.of("eu-1a", Duration.ofMillis(80))));
    Locality a = Locality.parse("eu/eu-1a");
    Locality b = Locality.parse("eu/eu-1b");
    Locality c = Locality.parse("eu/eu-1c");
    Locality us = Locality.parse("us/us-1a");
    Locality us2 = Locality.parse("us/us-1b");
    assertThat(s.latency(a, a)).isZero();
    assertThat(s.latency(a, b)).isEqualTo(Duration.ofMillis(2));
    assertThat(s.latency(b, a)).as("from -> to wins over to -> from").isEqualTo(Duration.ofMillis(3));
    assertThat(s.latency(a, us)).as("only given from us").isEqualTo(Duration.ofMillis(80));
    assertThat(s.latency(a, c)).isEqualTo(ZoneSettings.DEFAULT_SAME_REGION_LATENCY);
    assertThat(s.latency(a, us2)).isEqualTo(ZoneSettings.DEFAULT_CROSS_REGION_LATENCY);
    assertThat(s.regionRank("eu")).isEqualTo(0);
  }

  @Test
  void theMatrixMustNameZonesThePoolKnowsUnambiguously() {
    ZoneMap zones = ZoneMap.of(List.of(Locality.parse("eu/1a"), Locality.parse("us/1a"),
        Locality.parse("eu/1b")));
    ZoneSettings unknown = new ZoneSettings(70, List.of(),
        Map.of("eu/1b", Map.of("eu/1z", Duration.ofMillis(1))));
    assertThatThrownBy(() -> unknown.checkAgainst(zones)).hasMessage("latency: zone eu/1z "
        + "(expected: a zone of the pool's backends or clients: [eu/1a, eu/1b, us/1a])");
    ZoneSettings ambiguous = new ZoneSettings(70, List.of(),
        Map.of("1a", Map.of("eu/1b", Duration.ofMillis(1))));
    assertThatThrownBy(() -> ambiguous.checkAgainst(zones)).hasMessage(
        "latency: zone 1a is in several regions [eu/1a, us/1a] (expected: region/zone)");
    ZoneSettings fine = new ZoneSettings(70, List.of(),
        Map.of("eu/1a", Map.of("1b", Duration.ofMillis(1))));
    fine.checkAgainst(zones);
    // The factory checks it too, and that every member's zone is known.
    assertThatThrownBy(() -> new ZoneAwarePickerFactory(Algorithm.ROUND_ROBIN.factory(),
        List.of(Locality.parse("eu/1a")), zones, ambiguous, line -> {}))
        .hasMessageContaining("1a is in several regions");
    assertThatThrownBy(() -> new ZoneAwarePickerFactory(Algorithm.ROUND_ROBIN.factory(),
        List.of(Locality.parse("ap/1a")), zones, fine, line -> {}))
        .hasMessage("memberZones[0]: ap/1a (expected: a zone of [eu/1a, eu/1b, us/1a])");
  }

  @Test
  void sharesAndLatenciesPrintShort() {
    assertThat(ZoneFormat.percent(0.6 / 0.7)).isEqualTo("85.7%");
    assertThat(ZoneFormat.percent(1.0)).isEqualTo("100%");
    assertThat(ZoneFormat.millis(Duration.ofMillis(2))).isEqualTo("2 ms");
    assertThat(ZoneFormat.millis(Duration.ofNanos(500_000))).isEqualTo("0.5 ms");
    assertThatThrownBy(() -> new ZoneShare(Locality.parse("eu/1a"), 0, Duration.ZERO))
        .hasMessage("share: 0.0 (expected: > 0 and <= 1)");
  }
}
