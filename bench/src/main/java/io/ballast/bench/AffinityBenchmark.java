package io.ballast.bench;

import io.ballast.core.Backend;
import io.ballast.core.ControlLoop;
import io.ballast.core.PickResult;
import io.ballast.core.Rng;
import io.ballast.core.affinity.AffinitySettings;
import io.ballast.core.affinity.SessionAffinity;
import io.ballast.core.affinity.SessionCookieCodec;
import io.ballast.core.decision.DecisionLog;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import java.nio.charset.StandardCharsets;
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
 * What session affinity adds to a request on the data plane.
 *
 * <ul>
 *   <li>{@link #openValid}: {@link SessionCookieCodec#open} of a valid sealed cookie (AES-128-GCM,
 *       backend name "b3", 60 characters): what every request of a cookie session pays;
 *   <li>{@link #seal}: a new cookie value (random nonce, AES-GCM, base64url), paid when a session
 *       is pinned or moved;
 *   <li>{@link #openTampered}: the same cookie with one ciphertext character changed: the tag
 *       check fails and the request is a new session;
 *   <li>{@link #pickKeptPin}: {@link SessionAffinity#pick} for a session whose pinned backend is
 *       available: name lookup, availability read, the rebalancer's volatile read;
 *   <li>{@link #pickNewSession}: a session without a pin: the pool's pick, then the load bound's
 *       scan of every backend, and an overflow scan when the pick is above its bound.
 * </ul>
 *
 * <p>The pool is round-robin (the cheapest pool pick, so the affinity's own work shows) over
 * {@code backends} backends of weight 1 with 0 to 3 requests in flight each (seeded), default
 * settings (bounded load 1.25, rebalancer on with no share shed, as in a pool at rest). With that
 * preload some new sessions overflow the bound, as in a busy pool. Session hashes and pins cycle
 * through 4096 precomputed values so that branches and lookups see varying input.
 *
 * <p>JMH state, one instance per trial; set up and read by the benchmark threads as JMH
 * prescribes (the codec here, the pool in {@link Pool}). The codec and the affinity are
 * thread-safe.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AffinityBenchmark {
  static final String COOKIE = "ballast-session";
  static final String POOL = "app";
  /** Far in the future, so that the cookie never expires during a run. */
  static final long NOW_SECONDS = 1_800_000_000L;
  static final long MAX_AGE_SECONDS = 3_600L;

  private SessionCookieCodec codec;
  private String valid;
  private String tampered;

  @Setup(Level.Trial)
  public void setUp() {
    byte[] key = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    codec = new SessionCookieCodec(List.of(key), POOL, COOKIE);
    valid = codec.seal("b3", NOW_SECONDS, MAX_AGE_SECONDS);
    tampered = tamper(valid);
  }

  /**
   * The pool and its affinity, in a state of their own so that only the pick benchmarks run once
   * per pool size.
   */
  @State(Scope.Benchmark)
  public static class Pool {
    @Param({"10", "100"})
    public int backends;

    private ControlLoop loop;
    private LoadBalancer pool;
    private SessionAffinity affinity;

    @Setup(Level.Trial)
    public void setUp() {
      loop = new ControlLoop("affinity-bench-control", Throwable::printStackTrace);
      List<Backend> members = Pools.backends(backends, Pools.UNIFORM);
      pool = new LoadBalancer(POOL, members, Algorithm.ROUND_ROBIN,
          HealthSettings.PASSIVE_ONLY, loop, Rng.seeded(42),
          PoolListener.NONE);
      Pools.preload(members, 7);
      affinity = SessionAffinity.start(pool, AffinitySettings.DEFAULTS, loop, new DecisionLog());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      affinity.close();
      loop.close();
    }

    /** The affinity; for the module's tests. */
    SessionAffinity affinity() {
      return affinity;
    }

    /** The pool; for the module's tests. */
    LoadBalancer pool() {
      return pool;
    }
  }

  /** {@code value} with one character of its ciphertext changed, still valid base64url. */
  static String tamper(String value) {
    char[] chars = value.toCharArray();
    // Past the header and nonce (16 bytes, about 22 characters): inside the ciphertext.
    int i = 30;
    chars[i] = chars[i] == 'A' ? 'B' : 'A';
    return new String(chars);
  }

  /** The codec; for the module's tests. */
  SessionCookieCodec codec() {
    return codec;
  }

  /** One benchmark thread's sessions: hashes, pins and a reusable context. */
  @State(Scope.Thread)
  public static class Sessions {
    private static final int COUNT = 4096;

    final KeyedContext context = new KeyedContext();
    private long[] hashes;
    private Backend[] pins;
    private int next;

    @Setup(Level.Trial)
    public void setUp(Pool pool) {
      hashes = Pools.hashKeys(COUNT, Thread.currentThread().getId());
      List<Backend> members = pool.pool.backends();
      pins = new Backend[COUNT];
      for (int i = 0; i < COUNT; i++) {
        pins[i] = members.get((int) Long.remainderUnsigned(hashes[i], members.size()));
      }
    }

    /** Moves to the next session. */
    int advance() {
      next = (next + 1) & (COUNT - 1);
      context.key(hashes[next]);
      return next;
    }

    long hash(int i) {
      return hashes[i];
    }

    Backend pin(int i) {
      return pins[i];
    }
  }

  @Benchmark
  public SessionCookieCodec.Opened openValid() {
    return codec.open(valid, NOW_SECONDS);
  }

  @Benchmark
  public String seal() {
    return codec.seal("b3", NOW_SECONDS, MAX_AGE_SECONDS);
  }

  @Benchmark
  public SessionCookieCodec.Opened openTampered() {
    return codec.open(tampered, NOW_SECONDS);
  }

  @Benchmark
  public PickResult pickKeptPin(Pool pool, Sessions sessions) {
    int i = sessions.advance();
    return pool.affinity.pick(sessions.context, sessions.pin(i), sessions.hash(i), false);
  }

  @Benchmark
  public PickResult pickNewSession(Pool pool, Sessions sessions) {
    int i = sessions.advance();
    return pool.affinity.pick(sessions.context, null, sessions.hash(i), false);
  }
}
