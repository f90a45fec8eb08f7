package io.ballast.core.affinity;

import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.Scheduler;
import io.ballast.core.decision.Decision;
import io.ballast.core.decision.DecisionLog;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Moves a bounded share of a persistently overloaded backend's sticky sessions to other backends,
 * gradually, and says so in the decision log.
 *
 * <h2>Load measure</h2>
 * Each backend's requests in flight ({@code BackendLoad.inFlight()}), sampled
 * {@value #SAMPLES} times per interval and averaged, divided by its configured weight. A pool's
 * average is the same over its available backends: total sampled in-flight over total weight. A
 * backend is overloaded when its load is above {@code above} times that average and it carries at
 * least {@value #MIN_IN_FLIGHT} request in flight on average (below that, ratios are noise: 0.3
 * against 0.1 is "3x" of nothing).
 *
 * <h2>Shares</h2>
 * Each backend has a shed share in basis points of {@value #BUCKETS} buckets. A session falls in
 * bucket {@code mix(sessionHash) mod 10,000}; {@link #shed} is true when that bucket is below the
 * backend's share. Raising the share from 5% to 10% therefore moves the sessions of buckets 500
 * to 999 and leaves the first 5% where they went: each session moves once per backend, and a
 * larger share moves more sessions. A backend overloaded for {@code after} gains {@code step}
 * each interval while it stays overloaded, up to {@code maxShare}; any other backend (not
 * overloaded, or unavailable) loses {@code step} per interval down to zero, so new sessions may
 * pin to it again. Worked example with the defaults (above 1.5, after 30 s, step 5%, max 30%,
 * interval 5 s): b2 runs at 2.1x the average from t = 0; intervals end at 5, 10 ... 30 s; at 30 s
 * the overload has held 30 s and b2's share becomes 5%, at 35 s 10%, ... 30% at 55 s; once b2
 * falls to 1.5x or less the share drops 5% per interval.
 *
 * <p>Threading: the shares are an immutable array published through a volatile, so
 * {@link #shed}, {@link #share} and {@link #shares} are thread-safe, non-blocking and allocate
 * nothing ({@link #shares} builds a map). Sampling and decisions run on the control loop only
 * ({@link Scheduler}); {@link #start} and {@link #stop} post to it and may be called anywhere.
 */
public final class SessionRebalancer {
  /** Sessions are spread over this many buckets; shares are counted in them (basis points). */
  public static final int BUCKETS = 10_000;
  /** In-flight samples per interval. */
  static final int SAMPLES = 5;
  /** Least average in-flight a backend must carry to count as overloaded. */
  static final double MIN_IN_FLIGHT = 1.0;
  private static final long NOT_OVER = Long.MIN_VALUE;

  private final LoadBalancer pool;
  private final AffinitySettings.Rebalance settings;
  private final Scheduler scheduler;
  private final DecisionLog log;
  private final Backend[] backends;
  /** Backend to its index; filled in the constructor, read-only afterwards. */
  private final IdentityHashMap<Backend, Integer> index = new IdentityHashMap<>();
  private final int stepBp;
  private final int maxBp;
  private final Duration sampleEvery;

  // Control loop only.
  private final long[] sums;
  private int samples;
  private final long[] overSince;
  private final int[] current;
  private Scheduler.Cancellable timer;
  private boolean running;

  /** Null while every share is zero, the usual case, so {@link #shed} reads one volatile. */
  private volatile int[] published;

  public SessionRebalancer(LoadBalancer pool, AffinitySettings.Rebalance settings,
      Scheduler scheduler, DecisionLog log) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.log = Objects.requireNonNull(log, "log");
    List<Backend> list = pool.backends();
    this.backends = list.toArray(Backend[]::new);
    for (int i = 0; i < backends.length; i++) {
      index.put(backends[i], i);
    }
    this.stepBp = Math.max(1, (int) Math.round(settings.step() * BUCKETS));
    this.maxBp = Math.max(stepBp, (int) Math.round(settings.maxShare() * BUCKETS));
    this.sampleEvery = settings.interval().dividedBy(SAMPLES);
    int n = backends.length;
    this.sums = new long[n];
    this.overSince = new long[n];
    java.util.Arrays.fill(overSince, NOT_OVER);
    this.current = new int[n];
  }

  /** Starts sampling, unless the settings turn rebalancing off. Thread-safe. */
  public void start() {
    if (!settings.enabled()) {
      return;
    }
    scheduler.execute(() -> {
      if (!running) {
        running = true;
        timer = scheduler.schedule(sampleEvery, this::sample);
      }
    });
  }

  /** Stops sampling and clears every share: no session is shed any more. Thread-safe. */
  public void stop() {
    scheduler.execute(() -> {
      running = false;
      if (timer != null) {
        timer.cancel();
        timer = null;
      }
      java.util.Arrays.fill(current, 0);
      published = null;
    });
  }

  /**
   * True when the rebalancer moves this session away from {@code backend}: the session's bucket
   * is below the backend's shed share. Thread-safe, non-blocking, allocation-free.
   *
   * @param sessionHash a hash that stays the same while the session keeps its pin (the proxy's
   *     session key); it is mixed here, so a plain IP or counter will do
   */
  public boolean shed(Backend backend, long sessionHash) {
    int[] shares = published;
    if (shares == null) {
      return false;
    }
    Integer i = index.get(backend);
    return i != null && bucket(sessionHash) < shares[i];
  }

  /** The backend's shed share, 0 to 1. Thread-safe. */
  public double share(Backend backend) {
    int[] shares = published;
    Integer i = index.get(backend);
    return shares == null || i == null ? 0.0 : shares[i] / (double) BUCKETS;
  }

  /** Every backend's shed share by name, in pool order, for the admin listener. Thread-safe. */
  public Map<String, Double> shares() {
    int[] shares = published;
    Map<String, Double> out = new LinkedHashMap<>();
    for (int i = 0; i < backends.length; i++) {
      out.put(backends[i].name(), shares == null ? 0.0 : shares[i] / (double) BUCKETS);
    }
    return out;
  }

  public AffinitySettings.Rebalance settings() {
    return settings;
  }

  /** The session's bucket, 0 to {@value #BUCKETS} - 1. */
  static int bucket(long sessionHash) {
    return (int) Long.remainderUnsigned(mix(sessionHash), BUCKETS);
  }

  /** MurmurHash3's 64-bit finaliser: every input bit affects every output bit. */
  static long mix(long x) {
    x ^= x >>> 33;
    x *= 0xff51afd7ed558ccdL;
    x ^= x >>> 33;
    x *= 0xc4ceb9fe1a85ec53L;
    x ^= x >>> 33;
    return x;
  }

  private void sample() {
    if (!running) {
      return;
    }
    for (int i = 0; i < backends.length; i++) {
      sums[i] += backends[i].load().inFlight();
    }
    if (++samples >= SAMPLES) {
      evaluate();
      java.util.Arrays.fill(sums, 0);
      samples = 0;
    }
    timer = scheduler.schedule(sampleEvery, this::sample);
  }

  private void evaluate() {
    long now = scheduler.ticker().nanos();
    int n = backends.length;
    double[] mean = new double[n];
    boolean[] available = new boolean[n];
    double total = 0;
    long weight = 0;
    int count = 0;
    for (int i = 0; i < n; i++) {
      mean[i] = sums[i] / (double) samples;
      available[i] = pool.available(backends[i]);
      if (available[i]) {
        total += mean[i];
        weight += backends[i].weight();
        count++;
      }
    }
    // Per unit of weight, so that a backend of weight 3 may carry three times a weight-1 one.
    double average = weight == 0 ? 0 : total / weight;
    long intervalNanos = settings.interval().toNanos();
    boolean changed = false;
    for (int i = 0; i < n; i++) {
      Backend b = backends[i];
      double ratio = average > 0 ? mean[i] / b.weight() / average : 0;
      // With a single available backend there is nowhere to move sessions to.
      boolean over = available[i] && count > 1 && mean[i] >= MIN_IN_FLIGHT
          && ratio > settings.above();
      int from = current[i];
      int to = from;
      String reason = null;
      if (over) {
        if (overSince[i] == NOT_OVER) {
          // The whole interval just measured was overloaded.
          overSince[i] = now - intervalNanos;
        }
        long held = now - overSince[i];
        if (held >= settings.after().toNanos() && from < maxBp) {
          to = Math.min(maxBp, from + stepBp);
          reason = load(mean[i], ratio, average * b.weight()) + " for " + seconds(held) + ": "
              + percent(to) + " of its sessions move"
              + (to == maxBp ? " (the most allowed)" : "");
        }
      } else {
        overSince[i] = NOT_OVER;
        if (from > 0) {
          to = Math.max(0, from - stepBp);
          String why = !available[i] ? "unavailable, its sessions move by failover"
              : load(mean[i], ratio, average * b.weight()) + ", not above "
                  + one(settings.above()) + "x";
          reason = why + ": " + (to == 0 ? "no more of its sessions move"
              : percent(to) + " of its sessions move");
        }
      }
      if (to != from) {
        current[i] = to;
        changed = true;
        log.append(new Decision(now, pool.name(), b.name(), Decision.Kind.AFFINITY,
            percent(from), percent(to), reason));
      }
    }
    if (changed) {
      boolean any = false;
      for (int s : current) {
        any |= s > 0;
      }
      published = any ? current.clone() : null;
    }
  }

  private static String load(double mean, double ratio, double fairShare) {
    return "in-flight " + one(mean) + " is " + one(ratio) + "x the pool's average ("
        + one(fairShare) + ")";
  }

  private static String one(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  /** Basis points as a percentage: "5%", "2.5%", "0.01%". */
  static String percent(int bp) {
    if (bp % 100 == 0) {
      return bp / 100 + "%";
    }
    return java.math.BigDecimal.valueOf(bp, 2).stripTrailingZeros().toPlainString() + "%";
  }

  private static String seconds(long nanos) {
    double s = nanos / 1e9;
    return s == Math.rint(s) ? (long) s + " s" : String.format(Locale.ROOT, "%.1f s", s);
  }

  @Override
  public String toString() {
    return "SessionRebalancer[pool=" + pool.name() + ", shares=" + shares() + "]";
  }
}
