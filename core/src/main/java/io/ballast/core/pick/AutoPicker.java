package io.ballast.core.pick;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Picker;
import io.ballast.core.Rng;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The auto algorithm: predicts how long each of d randomly sampled backends would take to serve
 * the next request and sends it to the fastest.
 *
 * <p>Prediction. Each backend's {@link AutoLoad history} holds the average latency of its
 * successful requests (L), its error rate (e) and how its latency grows with the requests it
 * holds ({@link AutoLoad#shape}, learned per backend). With k requests in flight and effective
 * weight w, the predicted cost is {@code L × shape(k + 1) × (1 + errorPenalty × e) / w}: the
 * latency the request would see there. Without figures by load, shape(q) = q: the service time
 * times the queue the request would join (the shape of Finagle's peak EWMA cost and of the M/M/1
 * mean wait), which is also the most the learned shape may say, so a backend is priced as one
 * worker until it shows it has more. The variants this was chosen over (Prequal's hot-cold rule,
 * C3's cubic queue penalty, an uncapped latency curve, a peak-sensitive average, two choices) and
 * the simulation numbers are in docs/optimizer-auto.md. The two traps of latency-aware
 * balancing are closed explicitly:
 * <ul>
 *   <li>a backend that fails fast must not look fast: failed requests never enter L, and e
 *       multiplies the cost (errorPenalty 30: a backend failing 30 % of its requests costs 10×);
 *   <li>a backend without history must not be flooded, nor starved: until it has
 *       {@code probeOutcomes} outcomes in a fresh history it is taken whenever it is sampled and
 *       holds fewer than {@code probeInFlight} requests, and never otherwise, so it learns from a
 *       trickle and then competes on its numbers. A history restarts after τ without an outcome
 *       ({@link AutoLoad}), so a backend back from a health flip, its circuit breaker or plain
 *       disfavour is probed again and judged on what it does now.
 * </ul>
 *
 * <p>Re-entry: a candidate with a history, no request in flight and no outcome for
 * {@code probeInterval} (1 s) is taken at once when another candidate is in steady use (an outcome
 * within probeInterval / {@link #BUSY}): a shunned backend gets one request at a time, at most one
 * per second, never behind a queue, so its history never goes stale (no burst of probes each τ)
 * and two such quiet answers that beat its predicted cost by {@code recoveryRatio} (4) restart its
 * history ({@link AutoLoad}): a recovered backend is found in about 2 s. When the context allows
 * it ({@link PickContext#probeAside()}: a GET or HEAD without a body, first attempt), the probe is
 * a copy of the request: the request goes to the cheapest candidate and the pick names the quiet
 * one as {@link PickResult.Picked#probe}, so that no client waits on a backend still slow (one
 * allocation per probe, at most one a second per backend). Variants and figures in
 * docs/optimizer-auto.md, "Re-entry" and "Probing aside".
 *
 * <p>Shares. A backend given only a share of the traffic for a while (a slow-start ramp, a
 * DEGRADED backend's passing checks: {@link PoolSnapshot#shares}) takes part in that share of the
 * picks it is sampled for and competes on its full weight when it does: among three equal
 * backends, one at 30 % of its ramp gets about 30 % of its fair third. Dividing its cost by the
 * lowered weight instead would price an equal backend at 3.3× its peers' and give it nothing
 * until the ramp ends (measured: docs/optimizer-auto.md, "Slow start").
 *
 * <p>Probing is Prequal's lesson (Wydrowski et al., NSDI 2024): requests in flight and latency
 * are the signals, and a replica's estimate is only as good as its freshness.
 *
 * <p>Neutral latency. Within one pick, a candidate with no successful request yet counts the
 * average L of the candidates that have one, and an idle backend's L decays toward that average
 * (1 ns when no candidate has one: the pick is then least request by load).
 *
 * <p>Randomness against herding: only d = 3 backends are compared (power of d choices), drawn
 * from the factory's {@link Rng#forPickers()}, so concurrent balancers holding the same figures do
 * not all pick the same backend (in a pool of 3 or fewer every pick compares all of them).
 *
 * <p>Thread-safe, non-blocking, no allocation per pick but a probe aside's, O(d): reads of
 * atomics only.
 */
public final class AutoPicker implements Picker {
  /**
   * A candidate whose last outcome is less than probeInterval / BUSY old is in steady use (16
   * outcomes a second and more at the shipped 1 s): only then is a quiet one probed, so that a
   * probe is a small share of the traffic and a pool that is merely quiet picks by cost.
   */
  static final long BUSY = 16;

  private final Backend[] backends;
  private final AutoLoad[] history;
  /** Each backend's weight as a measure of capacity: its effective weight over its share. */
  private final double[] weights;
  /** Each backend's share of the picks it takes part in (slow start, DEGRADED); 1: all. */
  private final double[] shares;
  private final Tuning tuning;
  private final long probeNanos;
  private final Rng rng;

  /**
   * The model's settings. {@link #DEFAULT} is the evidence-backed choice (see
   * docs/optimizer-auto.md) and the only one the {@code auto} algorithm runs; others exist to
   * compare variants in the simulator and tests.
   *
   * @param choices backends sampled per pick, 2..64
   * @param peak true: latency average is peak-sensitive (a slower sample replaces it)
   * @param byLoad true: the queue factor is the backend's learned latency by load
   *     ({@link AutoLoad#shape}); false: k + 1, as if every backend had one worker
   * @param errorPenalty how much the error rate multiplies the cost: {@code 1 + errorPenalty × e}
   * @param probeOutcomes outcomes a backend needs before it competes without a cap
   * @param probeInFlight requests in flight a backend without that history may hold, >= 1
   * @param decay time constant τ of the averages and their idle decay
   * @param probeInterval a backend with no outcome for this long is probed (one request at a
   *     time) while another is in use; zero: no such probes
   * @param recoveryRatio a quiet answer that beats the predicted cost by this factor counts
   *     toward a restart of the history; 0: never
   * @param recoveryConfirm quiet answers in a row that restart it
   * @param band costs within this fraction of the cheapest tie, least in flight winning; 0: off
   *     (a losing variant, kept for comparison)
   */
  public record Tuning(int choices, boolean peak, boolean byLoad, double errorPenalty,
      int probeOutcomes, int probeInFlight, Duration decay, Duration probeInterval,
      double recoveryRatio, int recoveryConfirm, double band) {
    public static final Tuning DEFAULT = new Tuning(3, false, true, 30.0, 10, 2,
        Duration.ofSeconds(10), Duration.ofSeconds(1), 4.0, 2, 0);

    /** A tuning without quiet probes, recovery test or tie band (the version before them). */
    public Tuning(int choices, boolean peak, boolean byLoad, double errorPenalty,
        int probeOutcomes, int probeInFlight, Duration decay) {
      this(choices, peak, byLoad, errorPenalty, probeOutcomes, probeInFlight, decay,
          Duration.ZERO, 0, 2, 0);
    }

    public Tuning {
      Sampler.checkChoices(choices);
      if (!(errorPenalty >= 0 && errorPenalty <= 1000)) {
        throw new IllegalArgumentException("errorPenalty: " + errorPenalty + " (expected: 0..1000)");
      }
      if (probeOutcomes < 0) {
        throw new IllegalArgumentException("probeOutcomes: " + probeOutcomes + " (expected: >= 0)");
      }
      if (probeInFlight < 1) {
        throw new IllegalArgumentException("probeInFlight: " + probeInFlight + " (expected: >= 1)");
      }
      Objects.requireNonNull(decay, "decay");
      Objects.requireNonNull(probeInterval, "probeInterval");
      if (decay.isNegative() || decay.isZero()) {
        throw new IllegalArgumentException("decay: " + decay + " (expected: > 0)");
      }
    }

    /** This tuning with the given number of choices. */
    public Tuning withChoices(int d) {
      return new Tuning(d, peak, byLoad, errorPenalty, probeOutcomes, probeInFlight, decay,
          probeInterval, recoveryRatio, recoveryConfirm, band);
    }

    /** This tuning with the given decay. */
    public Tuning withDecay(Duration tau) {
      return new Tuning(choices, peak, byLoad, errorPenalty, probeOutcomes, probeInFlight,
          tau, probeInterval, recoveryRatio, recoveryConfirm, band);
    }
  }

  /**
   * The factory of the {@code auto} algorithm: {@link Tuning#DEFAULT}, whatever the options say.
   * Auto has no knobs on purpose: it decides from what it measures.
   */
  public static PickerFactory factory(AlgorithmOptions options) {
    return DEFAULT_FACTORY;
  }

  private static final PickerFactory DEFAULT_FACTORY = factory(Tuning.DEFAULT);

  /**
   * The factory for a tuning. Building a picker (control loop) gives every member an
   * {@link AutoLoad} history, kept across rebuilds by the member's {@code BackendLoad}.
   */
  public static PickerFactory factory(Tuning tuning) {
    Objects.requireNonNull(tuning, "tuning");
    double tau = tuning.decay().toNanos();
    double quiet = tuning.probeInterval().toNanos();
    return (pool, previous, rng) -> {
      for (Backend b : pool.members()) {
        AutoLoad.of(b.load()).configure(tau, tuning.peak(), quiet, tuning.recoveryRatio(),
            tuning.recoveryConfirm(), tuning.errorPenalty());
      }
      return new AutoPicker(pool.availableBackends(), pool.availableWeights(),
          pool.availableShares(), tuning, rng.forPickers());
    };
  }

  /**
   * @param rng the factory's {@link Rng#forPickers()}: thread-local on the data plane, seeded in
   *     the simulator and single-thread tests
   */
  AutoPicker(List<Backend> backends, int[] weights, Tuning tuning, Rng rng) {
    this(backends, weights, null, tuning, rng);
  }

  /**
   * @param shares each backend's share of the picks it takes part in, in (0, 1] (slow start, a
   *     DEGRADED backend's passing share; {@link PoolSnapshot#shares}); null: all 1
   */
  AutoPicker(List<Backend> backends, int[] weights, double[] shares, Tuning tuning, Rng rng) {
    if (weights.length != backends.size() || weights.length == 0
        || shares != null && shares.length != weights.length) {
      throw new IllegalArgumentException(
          "weights: " + weights.length + " entries (expected: " + backends.size() + ", > 0)");
    }
    this.backends = backends.toArray(Backend[]::new);
    this.history = new AutoLoad[weights.length];
    this.weights = new double[weights.length];
    this.shares = new double[weights.length];
    for (int i = 0; i < weights.length; i++) {
      this.history[i] = AutoLoad.of(this.backends[i].load());
      this.shares[i] = shares == null ? 1.0 : shares[i];
      this.weights[i] = weights[i] / this.shares[i];
    }
    this.tuning = Objects.requireNonNull(tuning, "tuning");
    this.probeNanos = tuning.probeInterval().toNanos();
    this.rng = Objects.requireNonNull(rng, "rng");
  }

  @Override
  public PickResult pick(PickContext context) {
    Backend[] all = backends;
    Sampler.Scratch scratch = Sampler.scratch();
    int found = Sampler.sample(all, tuning.choices(), context, rng, scratch);
    if (found == 0) {
      return PickResult.NoBackend.ALL_EXCLUDED;
    }
    int[] c = scratch.candidates;
    if (found == 1) {
      return all[c[0]].picked();
    }
    long now = all[c[0]].load().nowNanos();
    // Pass 1: a candidate without history under its probing cap is taken at once (probing must
    // not wait for a neutral guess to look cheap: guesses drift with the neighbours' latency, and
    // a backend that is never tried never proves itself); one at its cap is dropped. Then the
    // neutral latency of the others. The least-loaded candidate is the fallback when every
    // candidate is probing at its cap (a pool that just started).
    int eligible = 0;
    double latencySum = 0;
    int withLatency = 0;
    int fallback = c[0];
    double fallbackLoad = Double.MAX_VALUE;
    long quiet = probeNanos;
    int probe = -1;
    boolean busy = false;
    for (int k = 0; k < found; k++) {
      int i = c[k];
      int inFlight = all[i].load().inFlight();
      double load = (inFlight + 1.0) / weights[i];
      AutoLoad h = history[i];
      if (shares[i] < 1 && rng.nextDouble() >= shares[i]) {
        // Sits this pick out (a share of the picks, not a handicap in cost: see the class doc).
        if (load < fallbackLoad) {
          fallback = i;
          fallbackLoad = load;
        }
        continue;
      }
      if (!h.hasHistory(tuning.probeOutcomes(), now)) {
        if (inFlight < tuning.probeInFlight()) {
          return all[i].picked();
        }
        if (load < fallbackLoad) {
          fallback = i;
          fallbackLoad = load;
        }
        continue;
      }
      if (quiet > 0) {
        long idle = h.quietFor(now);
        if (idle < quiet / BUSY) {
          busy = true;
        } else if (idle >= quiet && inFlight == 0 && probe < 0) {
          probe = i;
        }
      }
      c[eligible++] = i;
      if (h.hasLatency()) {
        latencySum += h.latencyNanos(0.0, now);
        withLatency++;
      }
    }
    if (eligible == 0) {
      return all[fallback].picked();
    }
    int aside = -1;
    if (probe >= 0 && busy && history[probe].claimProbe(now, probeNanos)) {
      if (!context.probeAside() || eligible == 1) {
        return all[probe].picked();
      }
      // The request goes where it would anyway; a copy of it probes the quiet one.
      aside = probe;
    }
    if (eligible == 1) {
      return all[c[0]].picked();
    }
    double neutral = withLatency == 0 ? 1.0 : latencySum / withLatency;
    double[] costs = scratch.costs;
    int best = -1;
    double bestCost = Double.MAX_VALUE;
    for (int k = 0; k < eligible; k++) {
      int i = c[k];
      double cost = cost(i, neutral, now);
      costs[k] = cost;
      if (best < 0 || cost < bestCost) {
        best = i;
        bestCost = cost;
      }
    }
    double band = tuning.band();
    if (band > 0) {
      double limit = bestCost * (1 + band);
      double bestLoad = Double.MAX_VALUE;
      for (int k = 0; k < eligible; k++) {
        int i = c[k];
        if (costs[k] <= limit) {
          double load = (all[i].load().inFlight() + 1.0) / weights[i];
          if (load < bestLoad) {
            bestLoad = load;
            best = i;
          }
        }
      }
    }
    return aside >= 0 && best != aside ? new PickResult.Picked(all[best], all[aside])
        : all[best].picked();
  }

  /**
   * The predicted cost of candidate i: {@code L × shape(k + 1) × (1 + errorPenalty × e) / w}
   * (shape(q) = q without {@code byLoad}).
   */
  private double cost(int i, double neutral, long now) {
    AutoLoad h = history[i];
    int joined = backends[i].load().inFlight() + 1;
    double queue = tuning.byLoad() ? h.shape(joined, now) : joined;
    return h.latencyNanos(neutral, now) * queue
        * (1.0 + tuning.errorPenalty() * h.errorRate(now)) / weights[i];
  }

  Tuning tuning() {
    return tuning;
  }

  @Override
  public String toString() {
    return "AutoPicker" + Picks.names(backends) + " " + tuning;
  }
}
