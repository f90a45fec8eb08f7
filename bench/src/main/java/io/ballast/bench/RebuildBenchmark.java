package io.ballast.bench;

import io.ballast.core.Picker;
import io.ballast.core.Rng;
import io.ballast.core.pick.PickerFactory;
import io.ballast.core.pick.PoolSnapshot;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * {@code PickerFactory.build} on the control loop, which runs it on every availability or weight
 * change:
 *
 * <ul>
 *   <li>{@link #cold}: no previous picker (a pool's first picker, or a change of algorithm);
 *   <li>{@link #warm}: the previous picker is of the same kind over the same members and the new
 *       snapshot has one member's availability flipped, the common case of a health flip.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RebuildBenchmark extends PoolBenchmark {
  @Param({"1000"})
  public int backends;

  private PickerFactory factory;
  private PoolSnapshot pool;
  private PoolSnapshot flipped;
  private Picker previous;
  private final Rng rng = Rng.THREAD_LOCAL;

  @Setup(Level.Trial)
  public void setUp() {
    factory = resolveAlgorithm().factory();
    pool = PoolSnapshot.allAvailable(Pools.backends(backends, weights));
    // Flip a member in the middle, so position-based work cannot shortcut at either end.
    flipped = Pools.flipped(pool, backends / 2);
    previous = factory.build(pool, null, rng);
  }

  /** The member whose availability {@link #warm} flips (now unavailable); for the tests. */
  io.ballast.core.Backend flippedMember() {
    return pool.members().get(backends / 2);
  }

  @Benchmark
  public Picker cold() {
    return factory.build(pool, null, rng);
  }

  @Benchmark
  public Picker warm() {
    return factory.build(flipped, previous, rng);
  }
}
