package io.ballast.core.shed;

import java.util.Objects;

/**
 * The concurrency limit of one pool, learned from latency: a gradient controller after Netflix's
 * concurrency-limits {@code Gradient2Limit} and Envoy's {@code adaptive_concurrency} filter, with
 * one difference that matters: the limit is lowered only when the pool is both slower than its
 * baseline and at its limit, so a pool that is not overloaded is never refused anything.
 *
 * <h2>Why not Envoy's or Netflix's as they are</h2>
 * Envoy measures its baseline (the minimum round-trip time) by pinning the concurrency to a few
 * requests for a while every minute or so; during that window every request above the pin is
 * refused, overloaded or not (its documentation warns of exactly this). Gradient2 keeps a long
 * average instead, but follows the latency of an overloaded pool into it (its baseline drifts up
 * with the queue it should prevent) and lowers the limit whenever latency rises, even when the
 * requests in flight are far below the limit. Here:
 * <ul>
 *   <li>the <b>baseline</b> is a long average of the window medians of windows in which nothing
 *       was refused and latency was within tolerance (rising with a time constant of
 *       {@value #TAU_UP_SECONDS} s, falling with {@value #TAU_DOWN_SECONDS} s, so a slow cold
 *       start is forgotten quickly); other windows move it only with {@value #TAU_DRIFT_SECONDS} s,
 *       so a backend that became slower for good is accepted as its new normal within minutes,
 *       while an overload lasting seconds does not move it;
 *   <li>the <b>limit falls</b> only in a window that refused something or made something wait
 *       (in flight reached a class's threshold) and whose median is above
 *       {@code baseline × tolerance}: to {@code min(limit, peak / 0.75) × max(0.25, baseline × tolerance
 *       / p50)} (Gradient2's gradient, applied to the concurrency the window reached); it may
 *       fall under the requests in flight, but the critical class keeps its place up to them
 *       until the next window, so critical requests are not refused because the limit moved under
 *       them (the lower classes' thresholds do the cutting);
 *   <li>the <b>latency is the backends' own</b> when cuts of 40% or more took the requests in
 *       flight down by 30% and the median did not follow (it would under a queue): then the median
 *       becomes the baseline at once and the limit goes back to where the cuts began, so a pool
 *       whose backends got slower without being overloaded (a slow dependency) is not shed down
 *       to {@code minLimit};
 *   <li>the <b>limit rises</b> when a window refused something with the median within tolerance
 *       (the limit, not the backends, was what refused): {@code limit × min(2, baseline ×
 *       tolerance / p50)}, at least one more;
 *   <li>in a window that refused nothing the limit only keeps its <b>headroom</b>: the sheddable
 *       threshold at least {@value #HEADROOM} × the recent peak in flight of such windows (a peak
 *       remembered with a {@value #TAU_PEAK_SECONDS} s decay), raised to that at once, and lowered
 *       by a quarter per window only while it is more than twice that (so a quiet moment does not
 *       shrink it, and a
 *       limit that starts at the maximum comes down to where an overload will meet it). A window
 *       whose latency is high but that refused nothing holds the limit: nothing is refused until
 *       the requests in flight actually reach it.
 * </ul>
 *
 * <h2>Worked example</h2>
 * Baseline 10 ms, tolerance 1.5, limit 60. A window refused 200 sheddable requests with a median
 * of 25 ms: gradient = 10 × 1.5 / 25 = 0.6, limit 60 → 36. The next window refused 40 with a
 * median of 12.5 ms: within 15 ms, gradient 15 / 12.5 = 1.2, limit 36 → 44 (rounded up). The next
 * refused 10 with a median of 16 ms: gradient 0.94, limit 44 → 41 (rounded down). Load falls: a
 * window refused nothing, its peak was 10 in flight: the headroom asks for 2 × 10 / 0.5 = 40 ≤ 41,
 * and 41 is not more than twice 40, so the limit stays. (Windows that refused moved the baseline
 * by 0.03 ms: too little to change a figure here.)
 *
 * <p>Control loop only (one step at a time); not thread-safe.
 */
public final class GradientLimit {
  /** The sheddable threshold is kept at least this many times the recent peak in flight. */
  static final double HEADROOM = 2.0;
  /**
   * The deepest cut of one window. A quarter: at the onset of an overload the window's median
   * is several times the ceiling (through the real proxy, 176 ms against 28 ms when 150% of
   * capacity met a limit kept high as headroom), and halving per window took four windows, two
   * seconds of queueing, to bring the requests in flight down; an overshoot costs one window,
   * since the limit may double in the next.
   */
  static final double MIN_GRADIENT = 0.25;
  static final double MAX_GRADIENT = 2.0;
  /** An oversized limit falls by at most this factor per window that refused nothing. */
  static final double DECAY = 0.75;
  static final long TAU_UP_SECONDS = 30;
  static final long TAU_DOWN_SECONDS = 3;
  static final long TAU_DRIFT_SECONDS = 300;
  static final long TAU_PEAK_SECONDS = 10;
  /** Cuts this deep (new / old) say whether latency follows the requests in flight. */
  static final double CUT_THAT_TELLS = 0.6;

  private final String pool;
  private final SheddingSettings settings;
  private int limit;
  private double baselineNanos;
  private double peakMemory;
  /**
   * The limit before the current run of cuts began, with the median and peak of the window that
   * began it; 0 outside a run. {@code lastCutTo}: where the latest cut of the run took it.
   */
  private int cutsFrom;
  private double cutsP50;
  private int cutsPeak;
  private int lastCutTo;
  /** The current step's floor for the critical class; see {@link Step#criticalFloor}. */
  private int criticalFloor;

  /** Starts at the settings' maximum: before anything is measured nothing is refused. */
  public GradientLimit(String pool, SheddingSettings settings) {
    this(pool, settings, settings.maxLimit(), 0);
  }

  /**
   * Continues from {@code limit} and {@code baselineNanos} (0: not measured yet), as after a
   * reload that changed the settings: what was learned is kept.
   */
  public GradientLimit(String pool, SheddingSettings settings, int limit, double baselineNanos) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.limit = clamp(limit);
    this.baselineNanos = Math.max(0, baselineNanos);
  }

  /**
   * What one window did to the limit. {@code reason} is null when it stayed.
   * {@code criticalFloor}: until the next window, the critical class is admitted below at least
   * this many in flight even where the new limit is lower (0: no floor).
   */
  public record Step(int from, int to, String reason, int criticalFloor) {
    public Step(int from, int to, String reason) {
      this(from, to, reason, 0);
    }

    public boolean changed() {
      return from != to;
    }
  }

  public int limit() {
    return limit;
  }

  /** The baseline median latency in nanoseconds; 0 before the first window. */
  public double baselineNanos() {
    return baselineNanos;
  }

  public SheddingSettings settings() {
    return settings;
  }

  /** One control window: moves the baseline and the limit. */
  public Step step(LimitWindow w) {
    int from = limit;
    criticalFloor = 0;
    double p50 = w.p50Nanos();
    double seconds = w.nanos() / 1e9;
    // Only a window that refused nothing says how much concurrency the demand needs; the peak of
    // one that refused is the limit's own doing.
    peakMemory = Math.max(w.atLimit() ? 0 : w.peakInFlight(),
        peakMemory * Math.exp(-seconds / TAU_PEAK_SECONDS));
    if (baselineNanos <= 0) {
      baselineNanos = Math.max(1, p50);
    }
    double ceiling = baselineNanos * settings.tolerance();
    boolean high = p50 > ceiling;
    String reason;
    int to;
    if (w.atLimit()) {
      follow(p50, seconds, TAU_DRIFT_SECONDS);
      if (high && cutHadNoEffect(w, p50)) {
        // Cutting the limit cut the requests in flight but not the latency: it is the backends'
        // own (a slower dependency, a slower release), not a queue, and shedding cannot help.
        // Accept it as the new baseline and give back what the cuts took.
        double old = baselineNanos;
        baselineNanos = Math.max(1, p50);
        to = Math.max(from, cutsFrom);
        reason = "p50 " + ms(p50) + " did not fall when the limit fell " + cutsFrom + " → "
            + lastCutTo + " (peak " + cutsPeak + " → " + w.peakInFlight()
            + " in flight): the latency is the backends' own, not a queue; baseline "
            + ms(old) + " → " + ms(p50);
        forgetCuts();
      } else if (high) {
        double g = Math.max(MIN_GRADIENT, ceiling / p50);
        // From the limit the window's peak actually pressed on: the one whose default threshold
        // it reached (most requests are of the default class or lower, so in a steady overload
        // the peak sits at that threshold and this is the limit itself). At the onset of an
        // overload the limit may be far above it, kept as headroom, and cutting that by the
        // gradient would take windows to reach the load.
        int base = Math.min(from,
            Math.max(1, (int) Math.ceil(w.peakInFlight() / Priority.DEFAULT.share())));
        to = Math.min(from - 1, (int) (base * g));
        // The limit may fall under the requests in flight now; the critical class keeps its
        // place up to them until the next window, so it is not refused because the limit moved
        // under it while the lower classes' thresholds cut the load.
        criticalFloor = w.inFlight() + 1;
        reason = "p50 " + ms(p50) + " above baseline " + ms(baselineOf(ceiling)) + " × "
            + settings.tolerance() + " at the limit (" + refusals(w) + "): gradient "
            + round(g) + (base < from ? " of the peak " + base : "");
        if (cutsFrom == 0) {
          cutsFrom = from;
          cutsP50 = p50;
          cutsPeak = w.peakInFlight();
        }
        lastCutTo = Math.max(settings.minLimit(), Math.min(settings.maxLimit(), to));
      } else {
        forgetCuts();
        double g = Math.min(MAX_GRADIENT, ceiling / Math.max(1, p50));
        to = Math.max(from + 1, (int) Math.ceil(from * g));
        reason = "p50 " + ms(p50) + " within baseline " + ms(baselineOf(ceiling)) + " × "
            + settings.tolerance() + " at the limit (" + refusals(w)
            + "): the limit refused, not the backends; gradient " + round(g);
      }
    } else if (high) {
      follow(p50, seconds, TAU_DRIFT_SECONDS);
      forgetCuts();
      return new Step(from, from, null, 0);
    } else {
      forgetCuts();
      follow(p50, seconds, p50 > baselineNanos ? TAU_UP_SECONDS : TAU_DOWN_SECONDS);
      int need = (int) Math.ceil(HEADROOM * peakMemory / Priority.SHEDDABLE.share());
      if (from < need) {
        to = need;
        reason = "peak " + Math.round(peakMemory) + " in flight: headroom " + HEADROOM
            + " × peak for sheddable requests (share " + Priority.SHEDDABLE.share() + ")";
      } else if (from > 2 * Math.max(need, settings.minLimit())) {
        to = Math.max(need, (int) (from * DECAY));
        reason = "peak " + Math.round(peakMemory) + " in flight, nothing refused: "
            + "more than twice the headroom needed (" + need + ")";
      } else {
        return new Step(from, from, null, 0);
      }
    }
    to = clamp(to);
    limit = to;
    return new Step(from, to, to == from ? null : reason, criticalFloor);
  }

  /**
   * True when the cuts since the run of them began took the limit down to {@value #CUT_THAT_TELLS}
   * of where it was or less, the requests in flight fell with it (peak down by 30% or more), and
   * the median stayed within a tenth of the one that started the cuts. Under a queue it falls:
   * the wait is (in flight − workers) / workers service times, so 30% fewer in flight takes most
   * of it (the overload simulation's first cut, 99 → 49, halved the median: 30 → 15 ms). One
   * window is not enough evidence: the requests that end just after a cut were admitted before
   * it (through the real proxy, a first cut of 64 → 49 was followed by a median of 57 ms against
   * 52 ms, and the next cut brought it down).
   */
  private boolean cutHadNoEffect(LimitWindow w, double p50) {
    return cutsFrom > 0
        && lastCutTo <= CUT_THAT_TELLS * cutsFrom
        && w.peakInFlight() <= 0.7 * cutsPeak
        && p50 >= 0.9 * cutsP50;
  }

  private void forgetCuts() {
    cutsFrom = 0;
    cutsP50 = 0;
    cutsPeak = 0;
    lastCutTo = 0;
  }

  /** Moves the baseline toward {@code p50} with time constant {@code tauSeconds}. */
  private void follow(double p50, double seconds, long tauSeconds) {
    double w = 1 - Math.exp(-seconds / tauSeconds);
    baselineNanos += (Math.max(1, p50) - baselineNanos) * w;
  }

  private double baselineOf(double ceiling) {
    return ceiling / settings.tolerance();
  }

  private int clamp(int l) {
    return Math.max(settings.minLimit(), Math.min(settings.maxLimit(), l));
  }

  private static String refusals(LimitWindow w) {
    String queued = w.queued() > 0 ? w.queued() + " waited, " : "";
    return queued + w.refused() + " refused, " + w.refusedSheddable()
        + " of them sheddable, peak " + w.peakInFlight() + " in flight";
  }

  /** 41.2 ms → "41 ms", 3.46 ms → "3.5 ms", 0.21 ms → "0.21 ms". */
  static String ms(double nanos) {
    double ms = nanos / 1e6;
    if (ms >= 10) {
      return Math.round(ms) + " ms";
    }
    if (ms >= 1) {
      return Math.round(ms * 10) / 10.0 + " ms";
    }
    return Math.round(ms * 100) / 100.0 + " ms";
  }

  private static String round(double g) {
    return Double.toString(Math.round(g * 100) / 100.0);
  }

  @Override
  public String toString() {
    return "concurrency limit of pool " + pool + ": " + limit + ", baseline p50 "
        + ms(baselineNanos) + " × " + settings.tolerance();
  }
}
