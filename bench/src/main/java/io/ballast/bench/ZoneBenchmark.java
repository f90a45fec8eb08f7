package io.ballast.bench;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.ControlLoop;
import io.ballast.core.PickResult;
import io.ballast.core.Picker;
import io.ballast.core.Rng;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pick.AlgorithmOptions;
import io.ballast.core.pick.PickerFactory;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import io.ballast.core.zone.Locality;
import io.ballast.core.zone.ZoneAwarePicker;
import io.ballast.core.zone.ZoneAwarePickerFactory;
import io.ballast.core.zone.ZoneMap;
import io.ballast.core.zone.ZoneSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What zone-aware balancing adds to a pick. A pool of 12 backends of weight 1 in three zones
 * (eu/a 5, eu/b 5, us/a 2), built as the server builds it: a real {@link LoadBalancer} whose
 * algorithm's factory is decorated with {@link ZoneAwarePickerFactory} (70% minimum healthy
 * share, no latency matrix), availability changed through the pool's control loop.
 *
 * <ul>
 *   <li>{@link #pickLocal}: a client in eu/a while every backend is up: its plan is 100% eu/a, no
 *       draw, eu/a's child picks;
 *   <li>{@link #pickSpilling}: the same client with 3 of eu/a's 5 backends in maintenance: 40% of
 *       eu/a's weight is up, the plan keeps 57.1% and spills the rest to eu/b, one uniform draw
 *       per pick chooses the zone;
 *   <li>{@link #pickUnknownClient}: a client whose zone the pool does not know (-1), balanced over
 *       the whole pool by the extra child;
 *   <li>{@link #pickWithoutZones}: the baseline, the same 12 backends in a plain pool with the
 *       same algorithm and no zones.
 * </ul>
 *
 * <p>The inner algorithm's parameter is named {@code inner}, not {@code algorithm}, so that
 * {@code bench/jmh.sh} (which sets {@code algorithm} to every known name) leaves it alone.
 * In-flight counts are preloaded (0 to 3 per backend) so that {@code least-request} compares
 * unequal counts.
 *
 * <p>JMH state, one instance per trial; set up and read by the benchmark threads as JMH
 * prescribes. Each pool has its own backends (a backend's load belongs to one pool).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ZoneBenchmark {
  static final Locality EU_A = Locality.parse("eu/a");
  static final Locality EU_B = Locality.parse("eu/b");
  static final Locality US_A = Locality.parse("us/a");
  /** Backends of eu/a put in maintenance for {@link #pickSpilling}. */
  static final int DOWN_IN_EU_A = 3;

  @Param({AlgorithmNames.ROUND_ROBIN, AlgorithmNames.LEAST_REQUEST})
  public String inner;

  private ControlLoop loop;
  private ZoneMap zones;
  private List<Locality> memberZones;
  private LoadBalancer allUp;
  private LoadBalancer spilling;
  private LoadBalancer plain;
  private Picker allUpPicker;
  private Picker spillingPicker;
  private Picker plainPicker;

  @Setup(Level.Trial)
  public void setUp() {
    Algorithm algorithm = AlgorithmNames.resolve(inner);
    loop = new ControlLoop("zone-bench-control", Throwable::printStackTrace);
    memberZones = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      memberZones.add(i < 5 ? EU_A : i < 10 ? EU_B : US_A);
    }
    zones = ZoneMap.of(memberZones);
    allUp = pool("all-up", algorithm, zoneAware());
    spilling = pool("spilling", algorithm, zoneAware());
    plain = pool("plain", algorithm, UnaryOperator.identity());
    List<Backend> eu = spilling.backends();
    for (int i = 0; i < DOWN_IN_EU_A; i++) {
      spilling.setAdminState(eu.get(i), AdminState.MAINTENANCE, "benchmark");
    }
    awaitSpill();
    allUpPicker = allUp.picker();
    spillingPicker = spilling.picker();
    plainPicker = plain.picker();
  }

  private UnaryOperator<PickerFactory> zoneAware() {
    return f -> new ZoneAwarePickerFactory(f, memberZones, zones, ZoneSettings.DEFAULTS,
        line -> { });
  }

  private LoadBalancer pool(String name, Algorithm algorithm,
      UnaryOperator<PickerFactory> decorator) {
    List<Backend> backends = Pools.backends(12, Pools.UNIFORM);
    LoadBalancer lb = new LoadBalancer(name, backends, algorithm, AlgorithmOptions.DEFAULTS,
        decorator, HealthSettings.PASSIVE_ONLY, loop, Rng.seeded(42),
        PoolListener.NONE);
    Pools.preload(backends, 7);
    return lb;
  }

  /** Waits (bounded) until the control loop has published the spilling pool's new picker. */
  private void awaitSpill() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    // Each change rebuilds on its own: wait for the picker that has all of them.
    while (!(spilling.picker() instanceof ZoneAwarePicker z
        && z.availableIn(euA()) == 5 - DOWN_IN_EU_A)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the pool did not spill within 10 s: " + spilling.picker());
      }
      Thread.onSpinWait();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    loop.close();
  }

  /** The zone index of clients in eu/a. */
  int euA() {
    return zones.index(EU_A);
  }

  /** The zone of the backend named {@code name} (b0..b11). */
  Locality zoneOf(Backend backend) {
    return memberZones.get(Integer.parseInt(backend.name().substring(1)));
  }

  /** The spilling pool's picker; for the module's tests. */
  Picker spillingPicker() {
    return spillingPicker;
  }

  /** The spilling pool; for the module's tests. */
  LoadBalancer spillingPool() {
    return spilling;
  }

  /** One benchmark thread's contexts: a client in eu/a and a client of unknown zone. */
  @State(Scope.Thread)
  public static class Clients {
    LocalityContext local;
    final LocalityContext unknown = new LocalityContext(-1);

    @Setup(Level.Trial)
    public void setUp(ZoneBenchmark bench) {
      local = new LocalityContext(bench.euA());
    }
  }

  @Benchmark
  public PickResult pickLocal(Clients clients) {
    return allUpPicker.pick(clients.local);
  }

  @Benchmark
  public PickResult pickSpilling(Clients clients) {
    return spillingPicker.pick(clients.local);
  }

  @Benchmark
  public PickResult pickUnknownClient(Clients clients) {
    return allUpPicker.pick(clients.unknown);
  }

  @Benchmark
  public PickResult pickWithoutZones(Clients clients) {
    return plainPicker.pick(clients.local);
  }
}
