package io.ballast.core.pick;

import static io.ballast.core.pick.Packed.decayWeight;
import static io.ballast.core.pick.Packed.pack;
import static io.ballast.core.pick.Packed.value;

import io.ballast.core.BackendLoad;
import io.ballast.core.LoadObserver;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The per-backend history the {@link AutoPicker auto} algorithm predicts from: the latency of
 * successful requests, the error rate, and how many outcomes back that history goes.
 *
 * <p>Thread-safe and non-blocking: {@code BackendLoad.complete} calls {@link #record} from any
 * event loop; pickers read concurrently. Each figure is one {@code long} (a float value and the
 * time of its last update in 65.536 µs ticks) changed with a CAS loop, so a reader sees a value
 * with its own time and nothing is allocated. Updates of the three figures are independent: a
 * reader may see a completion in one and not yet in another, which a prediction tolerates.
 *
 * <h2>Averaging</h2>
 * Both averages give each new outcome the weight {@code a = max(1 - exp(-Δt/τ), 1/min(n, 64))},
 * Δt the time since the previous outcome and n the outcomes in the history so far. The first
 * outcome sets the value (a = 1), the next ones average in as a plain mean until 64 outcomes; then
 * a busy backend's figures follow its last few dozen outcomes (a fixed count reacts equally fast
 * at 10 and at 10,000 requests per second) while a quiet backend's follow its last τ of time.
 * Readers decay both figures for the time since the last outcome: the latency toward a neutral
 * prior supplied by the picker, the error rate toward 0, so an idle backend is tried again.
 *
 * <p>Worked example, τ = 10 s: the error rate of a warm busy backend is 0; three errors in a row
 * 1 ms apart each weigh 1/64: 1/64 = 0.016, then 0.031, then 0.046.
 *
 * <h2>Latency by load</h2>
 * How a backend's latency grows with the requests it holds depends on what it is: one with a
 * single worker queues the second request behind the first (latency × 2), one with 8 workers
 * serves 8 at once without a wait. So each successful request also records the ratio of its
 * latency to the average L (before this outcome) under the number q of requests in flight it
 * joined (itself included), in half-octave buckets of q (1, 2, 3, 4, 5-6, 7-8, 9-12, ... 129+;
 * each averaged like L over its own count, and stale after τ without a sample). The
 * {@link #shape shape} at q is the highest ratio of the fresh buckets up to q's (latency does not
 * fall with load); beyond the highest fresh bucket it grows like a queue, ratio × q / (the
 * bucket's top q), and with no fresh bucket at all it is q itself: a backend is assumed to queue
 * until it shows it does not.
 *
 * <p>Worked example: a backend with 8 workers and 4 ms requests, L = 4 ms, has recorded ratios
 * near 1.0 in buckets 1 to 4 and none beyond. With 3 requests in flight a new one (q = 4) is
 * predicted 4 ms × 1.0 = 4 ms; with 4 in flight (q = 5, bucket 5-6 empty) 4 ms × 1.0 × 5/4 = 5 ms,
 * still cheaper than an idle 10 ms backend, so it takes the request and learns bucket 5-6.
 *
 * <h2>History that went stale</h2>
 * When no outcome arrived for τ (a backend that was down, drained, cut off by its circuit breaker
 * or starved), the next outcome starts a new history (n = 1, so it replaces the old figures): the
 * backend is new again and is probed gently by the picker ({@link #outcomes}).
 *
 * <h2>A quiet backend that recovered</h2>
 * A backend the picker no longer uses gets one probe a second ({@link AutoPicker}), so it never
 * goes stale; its history restarts instead when {@code recoveryConfirm} (2) quiet outcomes in a
 * row (each at least quietNanos, 1 s, after the previous outcome) succeeded in less than the
 * predicted cost {@code L × (1 + errorPenalty × e)} divided by {@code recoveryRatio} (4).
 * Worked example: shunned at L = 200 ms, two probes answered in 20 ms (20 × 4 = 80 < 200): the
 * second starts a new history at 20 ms. One lognormal answer (p99 = 4 × mean) of a backend still
 * at 200 ms falls under 50 ms with probability 0.05, two in a row 0.003.
 */
public final class AutoLoad implements LoadObserver {
  /** The count past which an outcome's weight stops shrinking: the window of a busy backend. */
  static final int WINDOW = 64;
  /**
   * A history with no outcome for this many τ is stale. One τ: a backend that came back after
   * that long (from down, drained, a circuit breaker or plain disfavour) is judged on what it
   * does now, its first outcome replacing the old figures, and it is probed gently meanwhile.
   */
  static final int STALE_FACTOR = 1;
  private static final long EMPTY = Packed.EMPTY;
  private static final int MAX_OUTCOMES = 1 << 20;

  /**
   * A quiet success of a backend priced at least double for its errors ({@code errorPenalty × e
   * >= 1}) counts toward recovery when it answers within this multiple of its usual latency:
   * its cost was its errors, not its speed, and the latency test alone cannot see an error rate
   * that still costs it every pick but less than recoveryRatio (e = 0.06 prices it 2.8×).
   */
  static final double ERROR_RECOVERY_LATENCY = 2.0;

  private final AtomicLong latency = new AtomicLong(EMPTY);
  private final AtomicLong errors = new AtomicLong(EMPTY);
  private final AtomicInteger outcomes = new AtomicInteger();
  /** How its latency grows with the requests it holds. */
  private final LoadShape shape = new LoadShape();

  /** Consecutive quiet outcomes that beat the history's prediction (see {@link #record}). */
  private final AtomicInteger better = new AtomicInteger();

  private volatile long lastNanos;
  /** When the last probe of this backend was picked (see {@link #claimProbe}). */
  private final java.util.concurrent.atomic.AtomicLong probedNanos =
      new java.util.concurrent.atomic.AtomicLong(Long.MIN_VALUE / 2);
  private volatile double tauNanos = 10e9;
  private volatile boolean peak = true;
  private volatile double quietNanos;
  private volatile double recoveryRatio;
  private volatile int recoveryConfirm = 2;
  private volatile double errorPenalty = 30;

  /**
   * The backend's history, created on the first call and recorded into by every completion of
   * {@code load} from then on; the auto factory calls this on the control loop when it builds a
   * picker, and pickers keep the returned instance.
   */
  public static AutoLoad of(BackendLoad load) {
    return load.observer(AutoLoad.class, AutoLoad::new);
  }

  /** A history of no backend yet (see {@link #of}); τ = 10 s, peak-sensitive until configured. */
  public AutoLoad() {}

  /**
   * Sets the averaging. Called by the auto factory on the control loop when it builds a picker;
   * outcomes recorded concurrently use the old or the new setting.
   *
   * @param tauNanos the time constant τ of the averages and of the idle decay, > 0
   * @param peak true: a successful latency above the average replaces it at once (peak EWMA, so
   *     that a backend turning slow is noticed on its first slow answer)
   */
  void configure(double tauNanos, boolean peak) {
    configure(tauNanos, peak, 0, 0, 2, 30);
  }

  /**
   * As {@link #configure(double, boolean)}, with the recovery test of a quiet backend.
   *
   * @param quietNanos an outcome at least this long after the previous one is quiet (a probe of a
   *     backend the picker had stopped using); 0: no recovery test
   * @param recoveryRatio a quiet outcome beats the history when it succeeded in less than the
   *     predicted cost {@code L × (1 + errorPenalty × e)} divided by this; 0: never
   * @param recoveryConfirm this many quiet outcomes in a row that beat it restart the history
   * @param errorPenalty the picker's error penalty, for the predicted cost
   */
  void configure(double tauNanos, boolean peak, double quietNanos, double recoveryRatio,
      int recoveryConfirm, double errorPenalty) {
    if (!(tauNanos > 0)) {
      throw new IllegalArgumentException("tauNanos: " + tauNanos + " (expected: > 0)");
    }
    this.tauNanos = tauNanos;
    this.peak = peak;
    this.quietNanos = quietNanos;
    this.recoveryRatio = recoveryRatio;
    this.recoveryConfirm = Math.max(1, recoveryConfirm);
    this.errorPenalty = errorPenalty;
  }

  /**
   * Claims the probe of this backend due at {@code now}: true for one pick per {@code interval},
   * whether the probe goes in band or as a copy aside. A probe holds no place in the load until
   * its connection is up, so requests in flight alone would let two picks on a new connection's
   * way both probe.
   */
  boolean claimProbe(long now, long interval) {
    long last = probedNanos.get();
    return now - last >= interval && probedNanos.compareAndSet(last, now);
  }

  /** Nanoseconds since the last outcome; {@code Long.MAX_VALUE} before the first. */
  long quietFor(long now) {
    return outcomes.get() == 0 ? Long.MAX_VALUE : now - lastNanos;
  }

  /** The time constant τ in nanoseconds. */
  double tauNanos() {
    return tauNanos;
  }

  boolean peak() {
    return peak;
  }

  /**
   * One request ended.
   *
   * @param success false for a transport failure or an error answer: it counts in the error rate
   *     and never in the latency, so a backend that fails fast does not look fast
   * @param nanos the request's latency
   * @param now the backend load's clock
   * @param joined requests in flight on the backend when this one was sent, itself included;
   *     0 when unknown (the outcome then teaches nothing about latency by load)
   */
  @Override
  public void record(boolean success, long nanos, long now, int joined) {
    long last = lastNanos;
    int n;
    if (outcomes.get() > 0 && now - last > STALE_FACTOR * tauNanos
        || recovered(success, nanos, now, last)) {
      outcomes.set(1);
      n = 1;
    } else {
      n = outcomes.get() < MAX_OUTCOMES ? outcomes.incrementAndGet() : MAX_OUTCOMES;
    }
    lastNanos = now;
    double tau = tauNanos;
    update(errors, success ? 0.0 : 1.0, n, now, tau, false);
    if (success) {
      long before = latency.get();
      update(latency, Math.max(0, nanos), n, now, tau, peak);
      if (joined > 0 && n > 1 && before != EMPTY && value(before) > 0) {
        shape.record(joined, Math.max(0, nanos) / value(before), now, tau, STALE_FACTOR * tau);
      }
    }
  }

  /**
   * Whether this outcome shows that a quiet backend recovered: it came at least quietNanos after
   * the previous one (the picker's probe of a backend it no longer uses), it succeeded, and it
   * beat the history's prediction {@code L × (1 + errorPenalty × e)} by recoveryRatio, for the
   * recoveryConfirm-th quiet outcome in a row. Any other outcome ends the run.
   */
  private boolean recovered(boolean success, long nanos, long now, long last) {
    double quiet = quietNanos;
    if (!(quiet > 0 && recoveryRatio > 0) || outcomes.get() == 0) {
      return false;
    }
    if (now - last < quiet) {
      if (better.get() != 0) {
        better.set(0);
      }
      return false;
    }
    long l = latency.get();
    double penalty = errorPenalty * errorRate(now);
    boolean beats = success && l != EMPTY
        && (nanos * recoveryRatio < value(l) * (1 + penalty)
            || penalty >= 1 && nanos < ERROR_RECOVERY_LATENCY * value(l));
    if (!beats) {
      better.set(0);
      return false;
    }
    if (better.incrementAndGet() < recoveryConfirm) {
      return false;
    }
    better.set(0);
    return true;
  }

  /**
   * How much longer than L a request joining q requests in flight (itself included) is
   * predicted to take ({@link LoadShape#shape}).
   */
  double shape(int q, long now) {
    return shape.shape(q, now, STALE_FACTOR * tauNanos);
  }

  private void update(AtomicLong state, double sample, int n, long now, double tau,
      boolean peakSensitive) {
    for (;;) {
      long s = state.get();
      double next;
      if (s == EMPTY || n <= 1) {
        next = sample;
      } else {
        double current = value(s);
        if (peakSensitive && sample > current) {
          next = sample;
        } else {
          double a = Math.max(1 - decayWeight(age(s, now) / tau), 1.0 / Math.min(n, WINDOW));
          next = current + (sample - current) * a;
        }
      }
      if (state.compareAndSet(s, pack(next, now))) {
        return;
      }
    }
  }

  /** Outcomes in the current history (reset after a stale gap); 0 before the first. */
  public int outcomes() {
    return outcomes.get();
  }

  /** True when the history has at least {@code n} outcomes and is not stale at {@code now}. */
  boolean hasHistory(int n, long now) {
    return outcomes.get() >= n && now - lastNanos <= STALE_FACTOR * tauNanos;
  }

  /**
   * The average latency of successful requests, decayed toward {@code prior} for the time since
   * the last success ({@code value × w + prior × (1 - w)}, {@code w = exp(-idle/τ)}); {@code prior}
   * itself when there is none.
   */
  double latencyNanos(double prior, long now) {
    long s = latency.get();
    if (s == EMPTY) {
      return prior;
    }
    double w = decayWeight(age(s, now) / tauNanos);
    return value(s) * w + prior * (1 - w);
  }

  /** True once a request succeeded in the current or an earlier history. */
  boolean hasLatency() {
    return latency.get() != EMPTY;
  }

  /** The average error rate in [0, 1], decayed toward 0 for the time since the last outcome. */
  public double errorRate(long now) {
    long s = errors.get();
    return s == EMPTY ? 0.0 : value(s) * decayWeight(age(s, now) / tauNanos);
  }

  /** As {@link #latencyNanos}, NaN before the first success: for tests and {@link #toString}. */
  public double latencyNanos(long now) {
    return latency.get() == EMPTY ? Double.NaN : latencyNanos(0.0, now);
  }


  /**
   * Nanoseconds from the state's update to {@code now}; 0 if another thread stamped it later. The
   * 32-bit ticks wrap after 78 hours: gaps longer than the stale limit are taken from the
   * full-width time of the last outcome instead.
   */
  private double age(long state, long now) {
    long full = now - lastNanos;
    if (full > STALE_FACTOR * tauNanos) {
      return full;
    }
    return Packed.age(state, now);
  }

  @Override
  public String toString() {
    return "outcomes=" + outcomes() + " latencyMs=" + (float) (latencyNanos(lastNanos) / 1e6)
        + " errorRate=" + (float) errorRate(lastNanos);
  }
}
