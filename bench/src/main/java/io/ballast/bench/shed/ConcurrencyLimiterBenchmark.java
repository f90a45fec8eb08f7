package io.ballast.bench.shed;

import io.ballast.core.shed.ConcurrencyLimiter;
import io.ballast.core.shed.Priority;
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
 * What load shedding adds to a request: one admission and its release on a pool's
 * {@link ConcurrencyLimiter} ({@link #admitRelease}; two threads on the same pool, as two event
 * loops: {@link #admitReleaseTwoThreads}), and a refusal at the limit ({@link #refuse}: one read
 * and one counter).
 *
 * <p>JMH state shared by the benchmark threads; the limiter is thread-safe.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ConcurrencyLimiterBenchmark {
  private ConcurrencyLimiter open;
  private ConcurrencyLimiter full;

  @Setup(Level.Trial)
  public void setUp() {
    open = new ConcurrencyLimiter("bench", 1000);
    full = new ConcurrencyLimiter("bench-full", 2);
    full.tryAcquire(Priority.CRITICAL);
  }

  @Benchmark
  public boolean admitRelease() {
    boolean admitted = open.tryAcquire(Priority.DEFAULT);
    if (admitted) {
      open.release(1_000L);
    }
    return admitted;
  }

  @Benchmark
  @Threads(2)
  public boolean admitReleaseTwoThreads() {
    return admitRelease();
  }

  @Benchmark
  public boolean refuse() {
    return full.tryAcquire(Priority.SHEDDABLE);
  }
}
