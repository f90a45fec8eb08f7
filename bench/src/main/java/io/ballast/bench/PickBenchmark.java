package io.ballast.bench;

import io.ballast.core.Backend;
import io.ballast.core.PickResult;
import io.ballast.core.Picker;
import io.ballast.core.Rng;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pick.PoolSnapshot;
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
import org.openjdk.jmh.annotations.Threads;

/**
 * One {@code pick()} on the data plane, for every algorithm and pool size.
 *
 * <ul>
 *   <li>{@link #pick}: the pick alone, over a pool whose in-flight counts were set once at setup
 *       (0 to 3 per backend), so load-aware pickers compare real, unequal counts;
 *   <li>{@link #pickStartComplete}: what the proxy does per request: pick, {@code start()} on the
 *       picked backend, and {@code complete()} on the one picked {@code backends} picks ago, so
 *       in-flight counts move all the time and average one request per backend;
 *   <li>{@link #pickTwoThreads}: the pick alone from two threads sharing the picker, which shows
 *       the cost of a shared atomic cursor (meaningful only when the JVM has two CPUs).
 * </ul>
 *
 * <p>Each pick uses the next of 4096 precomputed hash keys; the measured loop allocates nothing of
 * its own, so {@code -prof gc} B/op is the picker's own allocation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PickBenchmark extends PoolBenchmark {
  @Param({"10", "100", "1000"})
  public int backends;

  private List<Backend> members;
  private Picker picker;

  @Setup(Level.Trial)
  public void setUp() {
    members = Pools.backends(backends, weights);
    Algorithm algorithm = resolveAlgorithm();
    // Backends count in the pool-wide load only for algorithms that read it, as in production.
    PoolSnapshot pool = PoolSnapshot.allAvailable(members, algorithm);
    Pools.preload(members, 7);
    picker = algorithm.factory().build(pool, null, Rng.seeded(42));
  }

  /** Requests in flight over the pool's backends; for the module's tests. */
  int inFlight() {
    return members.stream().mapToInt(b -> b.load().inFlight()).sum();
  }

  /** The built picker; visible for the module's tests. */
  Picker picker() {
    return picker;
  }

  /** One benchmark thread's hash keys, context and requests in flight. */
  @State(Scope.Thread)
  public static class Requests {
    private static final int KEYS = 4096;

    private final KeyedContext context = new KeyedContext();
    private long[] keys;
    private int nextKey;
    private Backend[] inFlight;
    /** What each request in flight joined: its completion teaches auto latency by load. */
    private int[] joined;
    private int slot;

    @Setup(Level.Trial)
    public void setUp(PickBenchmark bench) {
      keys = Pools.hashKeys(KEYS, Thread.currentThread().getId());
      // As many requests in flight as backends: about one each, moving with every pick.
      inFlight = new Backend[bench.backends];
      joined = new int[bench.backends];
    }

    /** Ends the requests still in flight so that the pool's counters return to the preload. */
    @TearDown(Level.Trial)
    public void tearDown() {
      for (int i = 0; i < inFlight.length; i++) {
        if (inFlight[i] != null) {
          inFlight[i].load().complete(true, 1_000L);
          inFlight[i] = null;
        }
      }
    }

    /** The context for the next pick, carrying the next precomputed key. */
    KeyedContext next() {
      context.key(keys[nextKey++ & (KEYS - 1)]);
      return context;
    }

    /** Starts a request on {@code b} and completes the oldest one in flight. */
    void rotate(Backend b) {
      int q = b.load().start();
      Backend oldest = inFlight[slot];
      int oldestJoined = joined[slot];
      inFlight[slot] = b;
      joined[slot] = q;
      slot = slot + 1 == inFlight.length ? 0 : slot + 1;
      if (oldest != null) {
        oldest.load().complete(true, 1_000L, oldestJoined);
      }
    }

    /** Requests this thread holds in flight now; for the module's tests. */
    int held() {
      int n = 0;
      for (Backend b : inFlight) {
        n += b == null ? 0 : 1;
      }
      return n;
    }
  }

  @Benchmark
  public PickResult pick(Requests requests) {
    return picker.pick(requests.next());
  }

  @Benchmark
  public PickResult pickStartComplete(Requests requests) {
    PickResult result = picker.pick(requests.next());
    if (result instanceof PickResult.Picked picked) {
      requests.rotate(picked.backend());
    }
    return result;
  }

  @Benchmark
  @Threads(2)
  public PickResult pickTwoThreads(Requests requests) {
    return picker.pick(requests.next());
  }
}
