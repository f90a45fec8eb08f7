package io.ballast.core.zone;

import static io.ballast.core.zone.ZoneFixtures.client;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.ManualScheduler;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Rng;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pick.AlgorithmOptions;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.Member;
import io.ballast.core.pool.PoolListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Zone-aware balancing over members that come, go and move, each with its Backend.zone(). */
class ZoneMembershipTest {
  private final ManualScheduler scheduler = new ManualScheduler();
  private final List<String> lines = new ArrayList<>();
  private final List<Backend> backends = List.of(
      new Backend("a1", "10.0.0.1", 80, 1, "eu/eu-1a"),
      new Backend("a2", "10.0.0.2", 80, 1, "eu/eu-1a"),
      new Backend("b1", "10.0.0.3", 80, 1, "eu/eu-1b"));
  private final ZoneMap zones = ZoneMap.of(List.of(Locality.parse("eu/eu-1a"),
      Locality.parse("eu/eu-1b")), List.of(Locality.parse("ap/ap-1a")));
  private final LoadBalancer lb = new LoadBalancer("p", backends, Algorithm.ROUND_ROBIN,
      AlgorithmOptions.DEFAULTS,
      f -> new ZoneAwarePickerFactory(f, zones, ZoneSettings.DEFAULTS, lines::add),
      HealthSettings.PASSIVE_ONLY, scheduler, Rng.singleThreaded(3),
      PoolListener.NONE);

  private ZoneAwarePicker picker() {
    return (ZoneAwarePicker) lb.picker();
  }

  private Map<String, Integer> reached(int clientZone) {
    Map<String, Integer> out = new TreeMap<>();
    PickContext ctx = client(clientZone);
    for (int i = 0; i < 100; i++) {
      PickResult r = lb.picker().pick(ctx);
      out.merge(((PickResult.Picked) r).backend().name(), 1, Integer::sum);
    }
    return out;
  }

  private static Member member(String name, String zone) {
    return new Member(name, "10.0.1." + name.length(), 80, 1, zone, AdminState.ACTIVE);
  }

  @Test
  void theZoneMapOnlyGrows() {
    ZoneMap map = ZoneMap.of(List.of(Locality.parse("eu/b")), List.of(Locality.parse("eu/c")));
    assertThat(map.toString()).isEqualTo("ZoneMap[0=eu/b, 1=eu/c (clients only)]");
    assertThat(map.addBackendZone(Locality.parse("eu/b"))).isZero();
    assertThat(map.addBackendZone(Locality.parse("eu/c"))).isEqualTo(1);
    // Appended after the others, though it sorts first: indexes handed out never change.
    assertThat(map.addBackendZone(Locality.parse("ap/a"))).isEqualTo(2);
    assertThat(map.toString()).isEqualTo("ZoneMap[0=eu/b, 1=eu/c, 2=ap/a]");
    assertThat(map.index("eu/b")).isZero();
    assertThat(map.index("ap/a")).isEqualTo(2);
  }

  @Test
  void aMemberInANewZoneGrowsTheMapAndItsClientsGetAPlan() {
    int eu1a = zones.index("eu/eu-1a");
    int ap1a = zones.index("ap/ap-1a");
    assertThat(picker().plan(ap1a).toString()).isEqualTo("[eu/eu-1a 100% (100 ms)]");
    lb.roster().add(member("u1", "us/us-1a"), "scale out");
    scheduler.runAll();
    int us1a = zones.index("us/us-1a");
    assertThat(us1a).isEqualTo(3);
    assertThat(zones.index("eu/eu-1a")).isEqualTo(eu1a);
    assertThat(zones.index("ap/ap-1a")).isEqualTo(ap1a);
    assertThat(picker().plan(us1a).toString()).isEqualTo("[us/us-1a 100% (0 ms)]");
    assertThat(picker().membersIn(us1a)).isEqualTo(1);
    assertThat(reached(us1a)).containsOnlyKeys("u1");
    assertThat(reached(eu1a)).containsOnlyKeys("a1", "a2");
    assertThat(lines).isEmpty();
  }

  @Test
  void anIndexThePickerDoesNotKnowYetGoesToTheWholePool() {
    ZoneAwarePicker before = picker();
    zones.addBackendZone(Locality.parse("us/us-1a"));
    int us1a = zones.index("us/us-1a");
    assertThat(before.plan(us1a)).isEmpty();
    assertThat(before.membersIn(us1a)).isZero();
    PickResult r = before.pick(client(us1a));
    assertThat(r).isInstanceOf(PickResult.Picked.class);
  }

  @Test
  void aMemberThatMovesZoneOrLeavesChangesThePlans() {
    int eu1a = zones.index("eu/eu-1a");
    int eu1b = zones.index("eu/eu-1b");
    lb.roster().set(List.of(Member.of(backends.get(0)),
        new Member("a2", "10.0.0.2", 80, 1, "eu/eu-1b", AdminState.ACTIVE),
        Member.of(backends.get(2))), "moved");
    scheduler.runAll();
    assertThat(picker().membersIn(eu1a)).isEqualTo(1);
    assertThat(picker().membersIn(eu1b)).isEqualTo(2);
    assertThat(reached(eu1b)).containsOnlyKeys("a2", "b1");
    lb.roster().remove("b1", "scale in");
    lb.roster().remove("a2", "scale in");
    scheduler.runAll();
    // eu-1b has no member now: its clients go to eu-1a, said once.
    assertThat(picker().plan(eu1b).toString()).isEqualTo("[eu/eu-1a 100% (1 ms)]");
    assertThat(reached(eu1b)).containsOnlyKeys("a1");
    assertThat(lines).containsExactly(
        "clients in eu/eu-1b (no backends there): 100% -> eu/eu-1a (1 ms)");
  }

  @Test
  void aMemberWithoutAZoneServesOnlyClientsOfUnknownZone() {
    lb.roster().add(new Member("x", "10.0.0.9", 80, 1), "scale out");
    scheduler.runAll();
    assertThat(lines).containsExactly(
        "backends without a zone: x (only clients of unknown zone reach them)");
    assertThat(reached(zones.index("eu/eu-1a"))).containsOnlyKeys("a1", "a2");
    assertThat(reached(-1)).containsKey("x");
  }
}
