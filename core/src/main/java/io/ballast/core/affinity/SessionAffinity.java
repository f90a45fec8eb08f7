package io.ballast.core.affinity;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Scheduler;
import io.ballast.core.decision.DecisionLog;
import io.ballast.core.pool.LoadBalancer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Session affinity for one pool: keeps a session on its pinned backend while it can serve, moves
 * it when it cannot (soft) or refuses (strict), and places new and moved sessions under a load
 * bound.
 *
 * <h2>How the proxy uses it</h2>
 * <ol>
 *   <li>Find the session's pin by the strategy: open the cookie ({@link SessionCookieCodec}) and
 *       resolve its name with {@link #backend(String)}, or look the key up in the proxy's sticky
 *       table; no pin (or an unknown name) is {@code null}, a new session.
 *   <li>Call {@link #pick(LoadBalancer, PickContext, Backend, long, boolean)} instead of
 *       {@code pool.picker().pick(ctx)} for every attempt, with a session hash that stays the
 *       same while the pin holds (the sticky key; for cookies a hash of the cookie value).
 *   <li>When the returned backend differs from the pin, record the new pin (rewrite the cookie,
 *       put it in the sticky table). A {@link PickResult.NoBackend} with
 *       {@link PickResult.Reason#PINNED_UNAVAILABLE} is a 503 for a strict route.
 * </ol>
 *
 * <h2>Decision</h2>
 * The pin is kept when the pool says it is {@link LoadBalancer#available available}, the context
 * does not exclude it (not yet tried by this request) and the {@link SessionRebalancer} does not
 * shed this session from it. Otherwise, under strict affinity, no backend; under soft affinity the
 * pool's picker chooses anew with the lost (or shed) backend excluded, so hash pickers follow their
 * own rule to the next backend on the ring or table.
 *
 * <p>Every new pin (a new session, a moved one) is then bounded, after Mirrokni, Thorup and
 * Zadimoghaddam, "Consistent Hashing with Bounded Loads" (SODA 2018, arXiv 2016): with P requests
 * in flight over the available backends, the one being placed makes P + 1, and backend i of
 * configured weight w[i] (W over the available ones) may carry {@code ceil(c × (P + 1) × w[i] / W)}
 * of them. A candidate that would exceed its bound with this request (or that the rebalancer
 * sheds this session from) is replaced by the least loaded available backend per unit of weight
 * that is neither excluded nor lost. One scan, rather than re-picking: a re-pick of a hash picker
 * returns the same candidate, and a bounded number of random re-picks can miss the one backend
 * with room; the least loaded backend always has room when any has. Worked example, c = 1.25,
 * three backends of weight 1 with 6, 1 and 1 in flight: P + 1 = 9, each bound is
 * ceil(1.25 × 9 / 3) = 4; a new session the picker sends to the first (7 &gt; 4) goes to the second.
 * Sessions that keep their pin are not bounded: moving them is the rebalancer's job, gradually.
 *
 * <p>Weights are the configured ones: slow start and the weight controller's percentages are not
 * visible without a scan of the pool's state, and they change effective weights only briefly.
 *
 * <p>Membership: pins are resolved by name against the pool's members of the moment
 * ({@link LoadBalancer#backend(String)}), so a session pinned to a backend that has left the pool
 * (or is draining out of it) is a session whose backend is unavailable: soft, it moves; strict,
 * {@link PickResult.Reason#PINNED_UNAVAILABLE}. A backend that joins takes new pins at once.
 *
 * <p>Threading: thread-safe and non-blocking. A kept pin costs a name lookup, the pool's
 * availability read and the rebalancer's volatile read; a new pin costs the pool's pick plus one
 * scan of the backends. Nothing is allocated beyond what the pool's picker returns (the exclusion
 * wrapper is one reusable object per thread).
 */
public final class SessionAffinity implements AutoCloseable {
  private final LoadBalancer pool;
  private final AffinitySettings settings;
  private final SessionRebalancer rebalancer;
  private final ThreadLocal<Excluding> excluding = ThreadLocal.withInitial(Excluding::new);

  private final LongAdder kept = new LongAdder();
  private final LongAdder pinned = new LongAdder();
  private final LongAdder moved = new LongAdder();
  private final LongAdder shed = new LongAdder();
  private final LongAdder overflowed = new LongAdder();
  private final LongAdder refused = new LongAdder();

  /**
   * @param rebalancer the pool's rebalancer, or null for none (sessions move only when their
   *     backend is gone)
   */
  public SessionAffinity(LoadBalancer pool, AffinitySettings settings,
      SessionRebalancer rebalancer) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.rebalancer = rebalancer;
  }

  /**
   * Affinity for the pool with a rebalancer when {@code settings} enable one, started on the
   * pool's control loop and writing its decisions to {@code log}. {@link #close()} stops it.
   */
  public static SessionAffinity start(LoadBalancer pool, AffinitySettings settings,
      Scheduler scheduler, DecisionLog log) {
    SessionRebalancer rebalancer = null;
    if (settings.rebalance().enabled()) {
      rebalancer = new SessionRebalancer(pool, settings.rebalance(), scheduler, log);
      rebalancer.start();
    }
    return new SessionAffinity(pool, settings, rebalancer);
  }

  /** The pool's member of that name now, or null when the pool has none. Thread-safe. */
  public Backend backend(String name) {
    return pool.backend(name);
  }

  /**
   * Chooses the backend for one attempt of a request of a session.
   *
   * @param pool the pool this affinity was made for (checked by identity)
   * @param ctx the attempt: hash key and backends already tried
   * @param pinned the session's backend, or null for a new session; a backend of an earlier
   *     generation of the pool is matched by name
   * @param sessionHash stable for the session while its pin holds: decides which sessions the
   *     rebalancer moves
   * @param strict true: never move the session; false: move it when its backend cannot serve
   * @return the backend (record it as the new pin when it differs from {@code pinned}), or no
   *     backend: the pool's reason, {@link PickResult.Reason#PINNED_UNAVAILABLE} when strict and
   *     the pinned backend cannot serve, or {@link PickResult.Reason#ALL_EXCLUDED} when strict and
   *     this request already tried it
   */
  public PickResult pick(LoadBalancer pool, PickContext ctx, Backend pinned, long sessionHash,
      boolean strict) {
    if (pool != this.pool) {
      throw new IllegalArgumentException(
          "pool: " + pool.name() + " (expected: " + this.pool.name() + ")");
    }
    return pick(ctx, pinned, sessionHash, strict);
  }

  /** As {@link #pick(LoadBalancer, PickContext, Backend, long, boolean)} on this pool. */
  public PickResult pick(PickContext ctx, Backend pinned, long sessionHash, boolean strict) {
    if (pinned == null) {
      this.pinned.increment();
      return place(ctx, null, sessionHash);
    }
    Backend current = pool.backend(pinned.name());
    if (current == null) {
      // The pin names a backend the pool no longer has (or that is draining out of it).
      if (strict) {
        refused.increment();
        return PickResult.NoBackend.PINNED_UNAVAILABLE;
      }
      moved.increment();
      return place(ctx, null, sessionHash);
    }
    boolean available = pool.available(current);
    if (available && !ctx.isExcluded(current)) {
      SessionRebalancer r = rebalancer;
      if (strict || r == null || !r.shed(current, sessionHash)) {
        kept.increment();
        return current.picked();
      }
      PickResult next = place(ctx, current, sessionHash);
      if (next instanceof PickResult.Picked) {
        shed.increment();
        return next;
      }
      // Nowhere else to go: a shed session stays rather than fail.
      kept.increment();
      return current.picked();
    }
    if (strict) {
      refused.increment();
      return available ? PickResult.NoBackend.ALL_EXCLUDED
          : PickResult.NoBackend.PINNED_UNAVAILABLE;
    }
    moved.increment();
    PickResult next = place(ctx, current, sessionHash);
    if (next instanceof PickResult.NoBackend && !ctx.isExcluded(current)) {
      // In panic the pool balances over unavailable backends too, the lost one included: do
      // what the pool would do for a request without a session.
      return pool.picker().pick(ctx);
    }
    return next;
  }

  /** A new pin: the pool's choice without {@code lost}, under the load bound. */
  private PickResult place(PickContext ctx, Backend lost, long sessionHash) {
    PickResult r;
    if (lost == null) {
      r = pool.picker().pick(ctx);
    } else {
      Excluding e = excluding.get();
      e.set(ctx, lost);
      try {
        r = pool.picker().pick(e);
      } finally {
        e.set(null, null);
      }
    }
    if (!(r instanceof PickResult.Picked p)) {
      return r;
    }
    Backend candidate = p.backend();
    List<Backend> backends = pool.backends();
    long total = 1;
    long weight = 0;
    for (int i = 0; i < backends.size(); i++) {
      Backend b = backends.get(i);
      if (pool.available(b)) {
        total += b.load().inFlight();
        weight += b.weight();
      }
    }
    // In panic the picker may choose among unavailable backends; no bound applies there.
    if (weight == 0 || !pool.available(candidate)
        || (fits(candidate, total, weight) && !shedsNew(candidate, sessionHash))) {
      return r;
    }
    Backend best = null;
    long bestLoad = 0;
    int bestWeight = 1;
    for (int i = 0; i < backends.size(); i++) {
      Backend b = backends.get(i);
      if (b == lost || !pool.available(b) || ctx.isExcluded(b) || shedsNew(b, sessionHash)) {
        continue;
      }
      long load = b.load().inFlight() + 1L;
      // load / weight < bestLoad / bestWeight, without division.
      if (best == null || load * bestWeight < bestLoad * b.weight()) {
        best = b;
        bestLoad = load;
        bestWeight = b.weight();
      }
    }
    if (best == null || best == candidate) {
      return r;
    }
    overflowed.increment();
    return best.picked();
  }

  private boolean fits(Backend b, long total, long weight) {
    // The 1e-9 keeps an exact bound (2.0000000001 from rounding) from rising to the next integer.
    long bound = (long) Math.ceil(settings.boundedLoad() * total * b.weight() / weight - 1e-9);
    return b.load().inFlight() + 1L <= bound;
  }

  private boolean shedsNew(Backend b, long sessionHash) {
    SessionRebalancer r = rebalancer;
    return r != null && r.shed(b, sessionHash);
  }

  /** Stops the rebalancer, if any. */
  @Override
  public void close() {
    if (rebalancer != null) {
      rebalancer.stop();
    }
  }

  public LoadBalancer pool() {
    return pool;
  }

  public AffinitySettings settings() {
    return settings;
  }

  /** The pool's rebalancer, or null when it runs none. */
  public SessionRebalancer rebalancer() {
    return rebalancer;
  }

  /** Counts since the start, for metrics. Thread-safe. */
  public Counters counters() {
    return new Counters(kept.sum(), pinned.sum(), moved.sum(), shed.sum(), overflowed.sum(),
        refused.sum());
  }

  /**
   * What {@link #pick} did, counted since the start.
   *
   * @param kept picks that kept the session's pin
   * @param pinned new sessions placed
   * @param moved soft sessions moved because their backend cannot serve or this request already
   *     tried it (a retry)
   * @param shed sessions moved by the rebalancer
   * @param overflowed new pins sent elsewhere because the picker's choice was above its bound
   * @param refused strict sessions answered with no backend
   */
  public record Counters(long kept, long pinned, long moved, long shed, long overflowed,
      long refused) {}

  @Override
  public String toString() {
    return "SessionAffinity[pool=" + pool.name() + ", boundedLoad=" + settings.boundedLoad()
        + ", rebalancer=" + (rebalancer != null) + ", " + counters() + "]";
  }

  /** The request's context with one more backend excluded; one per thread, reused. */
  private static final class Excluding implements PickContext {
    private PickContext inner;
    private Backend extra;

    void set(PickContext inner, Backend extra) {
      this.inner = inner;
      this.extra = extra;
    }

    @Override
    public long hashKey() {
      return inner.hashKey();
    }

    @Override
    public int attempt() {
      return inner.attempt();
    }

    @Override
    public boolean isExcluded(Backend backend) {
      return backend == extra || inner.isExcluded(backend);
    }

    @Override
    public int locality() {
      return inner.locality();
    }
  }
}
