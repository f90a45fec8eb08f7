package io.ballast.bench;

import io.ballast.core.Backend;
import io.ballast.core.BackendLoad;
import io.ballast.core.PoolLoad;
import io.ballast.core.pick.PoolSnapshot;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * {@code complete(success, nanos)} on a backend attached to a pool, so the pool's in-flight
 * counter moves too.
 *
 * <ul>
 *   <li>{@link #startComplete}: one thread;
 *   <li>{@link #startCompleteTwoThreads}: two threads on the same backend (every counter shared);
 *   <li>{@link #startCompleteTwoThreadsOwnBackend}: two threads, each on its own backend of the
 *       same pool, as two event loops serving different backends: only the pool's counter is
 *       shared.
 * </ul>
 *
 * <p>JMH state shared by the benchmark threads; {@code BackendLoad} is thread-safe.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BackendLoadBenchmark {
  private static final int BACKENDS = 8;

  private List<Backend> backends;
  private final AtomicInteger handedOut = new AtomicInteger();

  @Setup(Level.Trial)
  public void setUp() {
    backends = Pools.backends(BACKENDS, Pools.UNIFORM);
    PoolSnapshot.allAvailable(backends);
  }

  /** The pool's load, shared by every backend; for the module's tests. */
  PoolLoad pool() {
    return backends.get(0).load().pool();
  }

  /** A different backend for each thread that asks (up to {@value #BACKENDS}, then again). */
  BackendLoad nextOwn() {
    return backends.get(handedOut.getAndIncrement() % BACKENDS).load();
  }

  /** One benchmark thread's own backend. */
  @State(Scope.Thread)
  public static class Own {
    private BackendLoad load;

    @Setup(Level.Trial)
    public void setUp(BackendLoadBenchmark shared) {
      load = shared.nextOwn();
    }
  }

  @Benchmark
  public int startComplete() {
    BackendLoad load = backends.get(0).load();
    load.start();
    load.complete(true, 1_000L);
    return load.inFlight();
  }

  @Benchmark
  @Threads(2)
  public int startCompleteTwoThreads() {
    return startComplete();
  }

  @Benchmark
  @Threads(2)
  public int startCompleteTwoThreadsOwnBackend(Own own) {
    own.load.start();
    own.load.complete(true, 1_000L);
    return own.load.inFlight();
  }
}
