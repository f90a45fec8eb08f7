package io.ballast.core.zone;

import static io.ballast.core.zone.ZoneFixtures.client;
import static io.ballast.core.zone.ZoneFixtures.pick;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.ManualScheduler;
import io.ballast.core.PickContext;
import io.ballast.core.Rng;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pick.AlgorithmOptions;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Zone-aware balancing inside a real pool: health checks and the operator move the plan. */
class ZoneAwareLoadBalancerTest {
  private final ManualScheduler scheduler = new ManualScheduler();
  private final ZoneFixtures fixtures =
      new ZoneFixtures().zone("eu/eu-1a", 5).zone("eu/eu-1b", 3).zone("us/us-1a", 2);
  private final List<String> lines = new ArrayList<>();
  private final ZoneMap zones = fixtures.map();
  private final ZoneSettings settings = new ZoneSettings(70, List.of("eu", "us"),
      Map.of("eu-1a", Map.of("eu-1b", Duration.ofMillis(2), "us-1a", Duration.ofMillis(80))));
  // No panic threshold: this test takes whole zones out on purpose.
  private final LoadBalancer lb = new LoadBalancer("p", fixtures.backends, Algorithm.ROUND_ROBIN,
      AlgorithmOptions.DEFAULTS,
      f -> new ZoneAwarePickerFactory(f, fixtures.localities, zones, settings, lines::add),
      new HealthSettings(1, 1, true, Duration.ofSeconds(1), 0, Duration.ZERO),
      scheduler, Rng.singleThreaded(3), PoolListener.NONE);
  private final int eu1a = zones.index("eu/eu-1a");
  private final int eu1b = zones.index("eu/eu-1b");

  private void check(String backend, boolean passed) {
    lb.reportCheck(fixtures.backend(backend), passed, passed ? "status 200" : "status 503");
    scheduler.runAll();
  }

  private void admin(AdminState state, String... backends) {
    for (String b : backends) {
      lb.setAdminState(fixtures.backend(b), state, "operator");
    }
    scheduler.runAll();
  }

  private String plan(int clientZone) {
    return ((ZoneAwarePicker) lb.picker()).plan(clientZone).toString();
  }

  /** Which zones 2000 picks of a client in {@code clientZone} reach, by zone name prefix. */
  private Map<String, Integer> zonesReached(int clientZone) {
    Map<String, Integer> out = new HashMap<>();
    PickContext ctx = client(clientZone);
    for (int i = 0; i < 2000; i++) {
      String b = pick(lb.picker(), ctx);
      out.merge(b.substring(0, b.lastIndexOf('-')), 1, Integer::sum);
    }
    return out;
  }

  @Test
  void checksAndTheOperatorMoveThePlanAndItComesBack() {
    assertThat(lb.picker()).isInstanceOf(ZoneAwarePicker.class);
    assertThat(plan(eu1a)).isEqualTo("[eu/eu-1a 100% (0 ms)]");
    assertThat(zonesReached(eu1a)).containsOnlyKeys("eu-1a");

    // One of five down: 80% of the weight is still up, above 70%: nothing moves.
    check("eu-1a-4", false);
    assertThat(plan(eu1a)).isEqualTo("[eu/eu-1a 100% (0 ms)]");
    assertThat(lines).isEmpty();

    // Two of five down: 60% < 70%, a seventh spills to the nearest zone.
    check("eu-1a-3", false);
    assertThat(lines).containsExactly("clients in eu/eu-1a: 85.7% stay (3 of 5 backends up, "
        + "60% of weight < 70%), 14.3% -> eu/eu-1b (2 ms)");
    assertThat(zonesReached(eu1a)).containsOnlyKeys("eu-1a", "eu-1b")
        .hasEntrySatisfying("eu-1b", n -> assertThat(n).isBetween(180, 400));

    // The operator takes eu-1b out one backend at a time: each step moves both plans a little
    // (eu-1b falls under 70% at once), until its clients go to eu-1a (same region) first and the
    // spill of eu-1a crosses to us.
    lines.clear();
    admin(AdminState.MAINTENANCE, "eu-1b-0", "eu-1b-1", "eu-1b-2");
    assertThat(lines).containsExactly(
        "clients in eu/eu-1a: 85.7% stay (3 of 5 backends up, 60% of weight < 70%), "
            + "13.6% -> eu/eu-1b (2 ms), 0.7% -> us/us-1a (80 ms)",
        "clients in eu/eu-1b: 95.2% stay (2 of 3 backends up, 66.7% of weight < 70%), "
            + "4.1% -> eu/eu-1a (2 ms), 0.7% -> us/us-1a (100 ms)",
        "clients in eu/eu-1a: 85.7% stay (3 of 5 backends up, 60% of weight < 70%), "
            + "6.8% -> eu/eu-1b (2 ms), 7.5% -> us/us-1a (80 ms)",
        "clients in eu/eu-1b: 47.6% stay (1 of 3 backends up, 33.3% of weight < 70%), "
            + "44.9% -> eu/eu-1a (2 ms), 7.5% -> us/us-1a (100 ms)",
        "clients in eu/eu-1a: 85.7% stay (3 of 5 backends up, 60% of weight < 70%), "
            + "14.3% -> us/us-1a (80 ms)",
        "clients in eu/eu-1b: 0% stay (0 of 3 backends up), 85.7% -> eu/eu-1a (2 ms), "
            + "14.3% -> us/us-1a (100 ms)");
    assertThat(zonesReached(eu1b)).containsOnlyKeys("eu-1a", "us-1a");

    // Back from maintenance one at a time: the same steps in reverse, one line per plan change.
    lines.clear();
    admin(AdminState.ACTIVE, "eu-1b-0", "eu-1b-1", "eu-1b-2");
    assertThat(lines).containsExactly(
        "clients in eu/eu-1a: 85.7% stay (3 of 5 backends up, 60% of weight < 70%), "
            + "6.8% -> eu/eu-1b (2 ms), 7.5% -> us/us-1a (80 ms)",
        "clients in eu/eu-1b: 47.6% stay (1 of 3 backends up, 33.3% of weight < 70%), "
            + "44.9% -> eu/eu-1a (2 ms), 7.5% -> us/us-1a (100 ms)",
        "clients in eu/eu-1a: 85.7% stay (3 of 5 backends up, 60% of weight < 70%), "
            + "13.6% -> eu/eu-1b (2 ms), 0.7% -> us/us-1a (80 ms)",
        "clients in eu/eu-1b: 95.2% stay (2 of 3 backends up, 66.7% of weight < 70%), "
            + "4.1% -> eu/eu-1a (2 ms), 0.7% -> us/us-1a (100 ms)",
        "clients in eu/eu-1a: 85.7% stay (3 of 5 backends up, 60% of weight < 70%), "
            + "14.3% -> eu/eu-1b (2 ms)",
        "clients in eu/eu-1b: 100% stay (3 of 3 backends up)");

    // Failback: the checks pass again and the zone keeps all of its clients' traffic.
    lines.clear();
    check("eu-1a-3", true);
    assertThat(lines).containsExactly(
        "clients in eu/eu-1a: 100% stay (4 of 5 backends up, 80% of weight >= 70%)");
    check("eu-1a-4", true);
    assertThat(lines).hasSize(1);
    assertThat(plan(eu1a)).isEqualTo("[eu/eu-1a 100% (0 ms)]");
    assertThat(zonesReached(eu1a)).containsOnlyKeys("eu-1a");
  }

  @Test
  void aWholeRegionDownFailsOverAndComesBackAfterEverythingWasDown() {
    for (Backend b : fixtures.backends) {
      if (b.name().startsWith("eu-")) {
        check(b.name(), false);
      }
    }
    assertThat(plan(eu1a)).isEqualTo("[us/us-1a 100% (80 ms)]");
    assertThat(zonesReached(eu1a)).containsOnlyKeys("us-1a");
    // Even us goes: the pool answers "none available" without a zone-aware picker at all.
    check("us-1a-0", false);
    check("us-1a-1", false);
    assertThat(lb.picker().pick(client(eu1a)).toString()).contains("NONE_AVAILABLE");
    // eu-1a's first backend comes back: the plan is rebuilt against the last one reported.
    lines.clear();
    check("eu-1a-0", true);
    // Every client's plan changed since the last report (us/us-1a's clients were still served at
    // home then), and eu-1a alone has nothing like enough: all of it goes there.
    assertThat(lines).containsExactly(
        "clients in eu/eu-1a: 100% stay (1 of 5 backends up, 20% of weight < 70%); short of "
            + "capacity everywhere: the overflow is spread by available weight",
        "clients in eu/eu-1b: 0% stay (0 of 3 backends up), 100% -> eu/eu-1a (2 ms); short of "
            + "capacity everywhere: the overflow is spread by available weight",
        "clients in us/us-1a: 0% stay (0 of 2 backends up), 100% -> eu/eu-1a (80 ms); short of "
            + "capacity everywhere: the overflow is spread by available weight");
    assertThat(zonesReached(zones.index("us/us-1a"))).containsOnlyKeys("eu-1a");
  }
}
