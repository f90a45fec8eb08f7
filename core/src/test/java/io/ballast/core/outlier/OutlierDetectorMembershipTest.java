package io.ballast.core.outlier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.Backend;
import io.ballast.core.ManualScheduler;
import io.ballast.core.Rng;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.Member;
import io.ballast.core.pool.PoolListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Outlier detection follows a pool whose members change. */
class OutlierDetectorMembershipTest {
  private final ManualScheduler scheduler = new ManualScheduler();
  private final List<String> events = new ArrayList<>();
  private final OutlierDetector.Listener recorder = new OutlierDetector.Listener() {
    @Override
    public void onEject(Backend backend, EjectionKind kind, String reason, Duration duration) {
      events.add("eject " + backend.name());
    }

    @Override
    public void onReturn(Backend backend) {
      events.add("return " + backend.name());
    }

    @Override
    public void onEjectionSkipped(Backend backend, EjectionKind kind, String reason) {
      events.add("skip " + backend.name() + ": " + reason);
    }
  };

  private static List<Backend> backends(int n) {
    return IntStream.range(0, n)
        .mapToObj(i -> new Backend("b" + i, "127.0.0.1", 9000 + i, 1))
        .toList();
  }

  private LoadBalancer pool(List<Backend> backends) {
    return new LoadBalancer("p", backends, Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, scheduler, Rng.seeded(1),
        PoolListener.NONE);
  }

  private OutlierDetector follow(LoadBalancer pool) {
    OutlierDetector d = new OutlierDetector(pool.backends(), OutlierSettings.DEFAULTS, scheduler,
        pool::inService, recorder);
    pool.backends().forEach(b -> b.useOutcomeListener(d.tracker(b)));
    d.followMembers(pool);
    d.start();
    scheduler.runAll();
    return d;
  }

  private static void fail5xx(Backend b, int times) {
    for (int i = 0; i < times; i++) {
      b.outcomes().response(500);
    }
  }

  @Test
  void aJoiningBackendHasItsTrackerInstalledBeforeItCanBePicked() {
    LoadBalancer pool = pool(backends(3));
    OutlierDetector d = follow(pool);
    List<String> seen = new ArrayList<>();
    pool.addListener(new PoolListener() {
      @Override
      public void onMembersChanged(LoadBalancer p, List<Backend> added, List<Backend> removed,
          List<Backend> updated, String reason) {
        Backend b = added.get(0);
        seen.add(b.name() + " tracked: " + (b.outcomes() == d.tracker(b)));
      }
    });
    pool.roster().add(new Member("b3", "127.0.0.1", 9003, 1), "scale out");
    scheduler.runAll();
    assertThat(seen).containsExactly("b3 tracked: true");
    Backend b3 = pool.backend("b3");
    fail5xx(b3, 5);
    scheduler.runAll();
    assertThat(d.isEjected(b3)).isTrue();
    assertThat(events).containsExactly("eject b3");
  }

  @Test
  void theCapFollowsThePoolSize() {
    LoadBalancer pool = pool(backends(19));
    OutlierDetector d = follow(pool);
    assertThat(d.maxEjected()).isEqualTo(1);
    pool.roster().add(new Member("b19", "127.0.0.1", 9019, 1), "scale out");
    scheduler.runAll();
    assertThat(d.maxEjected()).isEqualTo(2); // 10% of 20
    pool.roster().remove("b0", "scale in");
    scheduler.runAll();
    assertThat(d.maxEjected()).isEqualTo(1);
  }

  @Test
  void anEjectedBackendThatLeavesFreesItsPlaceAndIsForgotten() {
    List<Backend> backends = backends(3);
    LoadBalancer pool = pool(backends);
    OutlierDetector d = follow(pool);
    Backend b0 = backends.get(0);
    Backend b1 = backends.get(1);
    fail5xx(b0, 5);
    scheduler.runAll();
    fail5xx(b1, 5);
    scheduler.runAll();
    assertThat(d.ejectedCount()).isEqualTo(1);
    assertThat(events.get(1)).startsWith("skip b1: 5 consecutive 5xx or local-origin failures;"
        + " kept in: 1 of 3 backends already ejected (max 1)");

    pool.roster().remove("b0", "scale in");
    scheduler.runAll();
    assertThat(d.ejectedCount()).isZero();
    assertThatThrownBy(() -> d.status(b0)).isInstanceOf(IllegalArgumentException.class);
    // Late answers of a request still in flight on b0 change nothing.
    fail5xx(b0, 5);
    scheduler.runAll();
    // Its return timer is gone with it: no return is heard.
    scheduler.advance(Duration.ofMinutes(10));
    fail5xx(b1, 5);
    scheduler.runAll();
    assertThat(d.isEjected(b1)).isTrue();
    assertThat(events).hasSize(3).last().isEqualTo("eject b1");
  }
}
