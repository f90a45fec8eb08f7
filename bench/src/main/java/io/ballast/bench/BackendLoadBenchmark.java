package io.ballast.bench;

import io.ballast.core.Backend;
import io.ballast.core.BackendLoad;
import io.ballast.core.pick.PoolSnapshot;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * The data plane's per-request accounting: {@code BackendLoad.start()} then
 * {@code complete(success, nanos)} on a backend attached to a pool (so the pool's in-flight
 * counter moves too), from one thread and from two threads on the same backend.
 *
 * <p>JMH state shared by the benchmark threads; {@code BackendLoad} is thread-safe.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BackendLoadBenchmark {
  private BackendLoad load;

  @Setup(Level.Trial)
  public void setUp() {
    List<Backend> one = Pools.backends(1, Pools.UNIFORM);
    PoolSnapshot.allAvailable(one);
    load = one.get(0).load();
  }

  @Benchmark
  public int startComplete() {
    load.start();
    load.complete(true, 1_000L);
    return load.inFlight();
  }

  @Benchmark
  @Threads(2)
  public int startCompleteTwoThreads() {
    load.start();
    load.complete(true, 1_000L);
    return load.inFlight();
  }
}
