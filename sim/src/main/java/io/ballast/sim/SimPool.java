package io.ballast.sim;

import io.ballast.core.Backend;
import io.ballast.core.Rng;
import io.ballast.core.attempt.AttemptListener;
import io.ballast.core.attempt.Attempts;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import io.ballast.core.decision.DecisionLog;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.shed.ConcurrencyLimiter;
import io.ballast.core.shed.WaitingLine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.DoubleConsumer;

/**
 * One variant of a scenario on its own virtual clock: a real core {@link LoadBalancer} with the
 * variant's algorithm and features, the modelled backends ({@link SimBackend}), and the requests
 * between them, driven as the proxy drives a real pool. The pool builds and owns the parts and
 * runs the clock; the parts do the work:
 * <ul>
 *   <li>{@link RequestDriver}: each request through core's attempt protocol ({@link Attempts}),
 *       the same code the proxy runs, with the network, the client and its timeouts played on the
 *       virtual clock;
 *   <li>{@link ScenarioEvents}: arrivals, bucket ticks, the backends' timelines, health checks;
 *   <li>{@link PoolListeners}: the balancer's decisions, counted and passed on to the features;
 *   <li>{@link Recorder}: the measurements that make the {@link VariantResult}.
 * </ul>
 *
 * <h2>Extension</h2>
 * {@link VariantFeature}s attach to a pool before traffic starts: they read
 * {@link #loadBalancer()}, {@link #backends()}, {@link #scheduler()}, listen with
 * {@link #addListener} and stop with {@link #onClose}.
 *
 * <p>Single-threaded: everything runs on the thread that calls {@link #run}.
 */
public final class SimPool {
  private final Scenario scenario;
  private final VariantSpec variant;
  private final VirtualScheduler scheduler;
  private final Rng rng;
  private final List<Backend> backends;
  private final List<SimBackend> models;
  private final LoadBalancer lb;
  private final RetryPolicy retryPolicy;
  private AttemptListener attemptListener = AttemptListener.NONE;
  private final PoolListeners listeners;
  private final List<Runnable> closers = new ArrayList<>();
  private final Recorder recorder;
  private final SplittableRandom arrivals;
  /** Each request's class; a stream of its own, so the other draws do not change with it. */
  private final SplittableRandom priorities;
  private final DecisionLog decisions = new DecisionLog();
  /** The pool's load shedding, or null without it. */
  private ConcurrencyLimiter admission;
  private WaitingLine line;
  private Duration maxWait;
  /** The request path; made when the run starts, with the attempt listener set by then. */
  private RequestDriver requests;

  /**
   * Builds the pool of {@code variant} on a fresh virtual clock. Every draw follows from
   * {@code scenario.seed()}: the balancer's (and so the pickers') from
   * {@code Rng.singleThreaded(seed)}, the models' (arrivals, service times, errors) as
   * {@link PoolModels} draws them.
   */
  public SimPool(Scenario scenario, VariantSpec variant) {
    this.scenario = Objects.requireNonNull(scenario, "scenario");
    this.variant = Objects.requireNonNull(variant, "variant");
    if (variant.oracle()) {
      throw new IllegalArgumentException("variant: " + variant.name()
          + " is the oracle (expected: a core algorithm; the oracle runs on an OraclePool)");
    }
    this.rng = Rng.singleThreaded(scenario.seed());
    PoolModels world = new PoolModels(scenario, variant.weights());
    this.scheduler = world.scheduler;
    this.arrivals = world.arrivals;
    this.priorities = new SplittableRandom(scenario.seed() ^ 0x9E3779B97F4A7C15L);
    this.backends = world.backends;
    this.models = world.models;
    this.recorder = world.recorder;
    this.listeners = new PoolListeners(recorder);
    this.lb = new LoadBalancer(variant.name(), backends, variant.algorithm(), variant.options(),
        scenario.healthChecks().settings(), scheduler, rng, listeners);
    this.retryPolicy = new RetryPolicy(scenario.retries(), scheduler);
  }

  public Scenario scenario() {
    return scenario;
  }

  public VariantSpec variant() {
    return variant;
  }

  /** The pool's virtual clock and control loop. */
  public VirtualScheduler scheduler() {
    return scheduler;
  }

  /** The pool's seeded randomness (the pickers draw from it too). */
  public Rng rng() {
    return rng;
  }

  public LoadBalancer loadBalancer() {
    return lb;
  }

  /** The core backends, in scenario order. */
  public List<Backend> backends() {
    return backends;
  }

  /** The modelled servers, in scenario order. */
  public List<SimBackend> models() {
    return models;
  }

  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  /**
   * Told of every attempt as it ends, with its classification; set before {@link #run}. For
   * tests that hold the simulator's attempts against the proxy's.
   */
  public void useAttemptListener(AttemptListener listener) {
    if (requests != null) {
      throw new IllegalStateException("pool " + variant.name() + " already ran");
    }
    this.attemptListener = Objects.requireNonNull(listener, "listener");
  }

  /**
   * Every request must pass {@code limiter} before it reaches the balancer (load shedding); set
   * before {@link #run}.
   */
  public void useAdmission(ConcurrencyLimiter limiter) {
    useAdmission(limiter, null, null);
  }

  /**
   * As {@link #useAdmission(ConcurrencyLimiter)}, and a request that meets the limit waits in
   * {@code line} for at most {@code maxWait} before it is refused (null line: refused at once).
   */
  public void useAdmission(ConcurrencyLimiter limiter, WaitingLine line, Duration maxWait) {
    if (requests != null) {
      throw new IllegalStateException("pool " + variant.name() + " already ran");
    }
    this.admission = Objects.requireNonNull(limiter, "limiter");
    if (line != null) {
      Objects.requireNonNull(maxWait, "maxWait");
    }
    this.line = line;
    this.maxWait = maxWait;
  }

  /** The pool's load shedding, or null without it. */
  public ConcurrencyLimiter admission() {
    return admission;
  }

  /** The decisions of the pool's features that log them (load shedding). */
  public DecisionLog decisions() {
    return decisions;
  }

  /** Receives every state change of the load balancer, on the virtual control loop. */
  public void addListener(PoolListener listener) {
    listeners.add(listener);
  }

  /** Runs when the run ends (stop timers, detectors). */
  public void onClose(Runnable closer) {
    closers.add(Objects.requireNonNull(closer, "closer"));
  }

  /** Requests that arrived so far. */
  public long arrived() {
    return requests == null ? 0 : requests.arrived();
  }

  /**
   * Runs the variant to the end: arrivals for the scenario's duration, then until every request
   * has finished (at most 5 minutes of virtual time more). Once only.
   */
  public VariantResult run(DoubleConsumer progress) {
    if (requests != null) {
      throw new IllegalStateException("pool " + variant.name() + " already ran");
    }
    requests = new RequestDriver(scheduler, lb, retryPolicy, attemptListener, models, recorder,
        scenario.duration().toNanos(), scenario.clients().timeout().toNanos());
    requests.useAdmission(admission, line, maxWait, scenario.clients(), priorities);
    new ScenarioEvents(scenario, scheduler, arrivals, requests, recorder, models).run(progress);
    for (Runnable c : closers) {
      c.run();
    }
    return recorder.result(variant.name());
  }

  @Override
  public String toString() {
    return "sim pool " + variant.name() + " at " + scheduler + ": " + models;
  }
}
