package io.ballast.bench;

import io.ballast.core.Backend;
import io.ballast.core.ControlLoop;
import io.ballast.core.Rng;
import io.ballast.core.Ticker;
import io.ballast.core.attempt.AttemptListener;
import io.ballast.core.attempt.Attempts;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.retry.RetrySettings;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * The attempt protocol's cost on the request path: one request that goes through at once, as the
 * HTTP/1.1 relay drives it (start, pick and gate, connected, sending, the answer, completed), on
 * a pool of {@code backends} with {@code algorithm}. It includes the pick, the retry budget's
 * deposit, the backend's load start and complete, and the outlier and gate calls (no breaker or
 * detector installed: the contracts' no-op defaults, as in a pool without them).
 *
 * <p>JMH state of one thread: an {@link Attempts} is one connection's, reused per request.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AttemptsBenchmark {
  @Param({"10"})
  public int backends;

  @Param({"round-robin", "auto"})
  public String algorithm;

  private ControlLoop control;
  private LoadBalancer pool;
  private RetryPolicy policy;
  private Attempts attempts;

  @Setup(Level.Trial)
  public void setUp() {
    control = new ControlLoop("bench-control", Throwable::printStackTrace);
    List<Backend> members = Pools.backends(backends, Pools.UNIFORM);
    pool = new LoadBalancer("bench", members, AlgorithmNames.resolve(algorithm),
        HealthSettings.PASSIVE_ONLY, control, Rng.THREAD_LOCAL,
        PoolListener.NONE);
    policy = new RetryPolicy(RetrySettings.DEFAULTS, Ticker.SYSTEM);
    attempts = new Attempts(Ticker.SYSTEM, AttemptListener.NONE);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    control.close();
  }

  @Benchmark
  public Backend requestThatGoesThrough() {
    Attempts a = attempts;
    a.start(pool, policy, null, "GET", 0L, -1);
    Backend b = a.next();
    a.connected();
    a.sending();
    a.answered(200);
    a.completed();
    return b;
  }
}
