package io.ballast.core.affinity;

import io.ballast.core.Backend;
import io.ballast.core.Scheduler;
import io.ballast.core.decision.Decision;
import io.ballast.core.decision.DecisionLog;
import io.ballast.core.pool.LoadBalancer;
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
 * <h2>Membership</h2>
 * Each sample reads the pool's members of the moment. A backend that joins is sampled from then
 * on (its mean is over its own samples, so joining mid-interval does not read as idle); one that
 * leaves is forgotten with its share (its sessions move by failover anyway).
 *
 * <p>Threading: the shares are an immutable map published through a volatile, so
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
  private final int stepBp;
  private final int maxBp;
  private final Duration sampleEvery;

  // Control loop only.
  /** Each member's samples and share, by backend. */
  private final Map<Backend, Track> tracks = new IdentityHashMap<>();
  private int samples;
  private Scheduler.Cancellable timer;
  private boolean running;

  /**
   * Each backend's share in basis points, those above zero only; null while every share is zero,
   * the usual case, so {@link #shed} reads one volatile.
   */
  private volatile Map<Backend, Integer> published;

  /** One backend's samples of the interval, overload clock and share. */
  private static final class Track {
    long sum;
    int samples;
    long overSince = NOT_OVER;
    int current;
  }

  public SessionRebalancer(LoadBalancer pool, AffinitySettings.Rebalance settings,
      Scheduler scheduler, DecisionLog log) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.log = Objects.requireNonNull(log, "log");
    this.stepBp = Math.max(1, (int) Math.round(settings.step() * BUCKETS));
    this.maxBp = Math.max(stepBp, (int) Math.round(settings.maxShare() * BUCKETS));
    this.sampleEvery = settings.interval().dividedBy(SAMPLES);
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
      tracks.values().forEach(t -> t.current = 0);
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
    Map<Backend, Integer> shares = published;
    if (shares == null) {
      return false;
    }
    Integer bp = shares.get(backend);
    return bp != null && bucket(sessionHash) < bp;
  }

  /** The backend's shed share, 0 to 1. Thread-safe. */
  public double share(Backend backend) {
    Map<Backend, Integer> shares = published;
    Integer bp = shares == null ? null : shares.get(backend);
    return bp == null ? 0.0 : bp / (double) BUCKETS;
  }

  /**
   * Every member's shed share by name, in pool order, for the admin listener. Thread-safe.
   */
  public Map<String, Double> shares() {
    Map<String, Double> out = new LinkedHashMap<>();
    for (Backend b : pool.backends()) {
      out.put(b.name(), share(b));
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
    List<Backend> backends = pool.backends();
    if (tracks.keySet().retainAll(new java.util.HashSet<>(backends)) && published != null) {
      // A member with a share left: its share goes with it.
      publish();
    }
    for (Backend b : backends) {
      Track t = tracks.computeIfAbsent(b, k -> new Track());
      t.sum += b.load().inFlight();
      t.samples++;
    }
    if (++samples >= SAMPLES) {
      evaluate(backends);
      tracks.values().forEach(t -> {
        t.sum = 0;
        t.samples = 0;
      });
      samples = 0;
    }
    timer = scheduler.schedule(sampleEvery, this::sample);
  }

  private void publish() {
    Map<Backend, Integer> shares = new IdentityHashMap<>();
    tracks.forEach((b, t) -> {
      if (t.current > 0) {
        shares.put(b, t.current);
      }
    });
    published = shares.isEmpty() ? null : java.util.Collections.unmodifiableMap(shares);
  }

  private void evaluate(List<Backend> backends) {
    long now = scheduler.ticker().nanos();
    int n = backends.size();
    double[] mean = new double[n];
    boolean[] available = new boolean[n];
    Track[] track = new Track[n];
    double total = 0;
    long weight = 0;
    int count = 0;
    for (int i = 0; i < n; i++) {
      track[i] = tracks.get(backends.get(i));
      mean[i] = track[i].sum / (double) track[i].samples;
      available[i] = pool.available(backends.get(i));
      if (available[i]) {
        total += mean[i];
        weight += backends.get(i).weight();
        count++;
      }
    }
    // Per unit of weight, so that a backend of weight 3 may carry three times a weight-1 one.
    double average = weight == 0 ? 0 : total / weight;
    long intervalNanos = settings.interval().toNanos();
    boolean changed = false;
    for (int i = 0; i < n; i++) {
      Backend b = backends.get(i);
      Track t = track[i];
      double ratio = average > 0 ? mean[i] / b.weight() / average : 0;
      // With a single available backend there is nowhere to move sessions to.
      boolean over = available[i] && count > 1 && mean[i] >= MIN_IN_FLIGHT
          && ratio > settings.above();
      int from = t.current;
      int to = from;
      String reason = null;
      if (over) {
        if (t.overSince == NOT_OVER) {
          // The whole interval just measured was overloaded.
          t.overSince = now - intervalNanos;
        }
        long held = now - t.overSince;
        if (held >= settings.after().toNanos() && from < maxBp) {
          to = Math.min(maxBp, from + stepBp);
          reason = load(mean[i], ratio, average * b.weight()) + " for " + seconds(held) + ": "
              + percent(to) + " of its sessions move"
              + (to == maxBp ? " (the most allowed)" : "");
        }
      } else {
        t.overSince = NOT_OVER;
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
        t.current = to;
        changed = true;
        log.append(new Decision(now, pool.name(), b.name(), Decision.Kind.AFFINITY,
            percent(from), percent(to), reason));
      }
    }
    if (changed) {
      publish();
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
