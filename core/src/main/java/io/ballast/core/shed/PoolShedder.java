package io.ballast.core.shed;

import io.ballast.core.Periodic;
import io.ballast.core.Scheduler;
import io.ballast.core.decision.Decision;
import io.ballast.core.decision.DecisionLog;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The control side of a pool's adaptive load shedding: every interval, on the control loop, it
 * harvests the {@link ConcurrencyLimiter}'s window ({@link LimitHarvest}), runs one
 * {@link GradientLimit} step, sets the new limit, and writes every change of the limit to the
 * {@link DecisionLog} with its figures ({@code "pool api concurrency_limit 120 → 84: p50 41 ms
 * above baseline 12 ms × 1.5 at the limit (...)"}).
 *
 * <p>The limiter outlives a shedder: a reload that changes the settings stops this one and starts
 * another on the same limiter ({@link #PoolShedder(ConcurrencyLimiter, SheddingSettings,
 * PoolShedder, DecisionLog, Consumer)}), which continues from its limit and baseline, so requests
 * in flight release into the count they were admitted to and nothing learned is lost.
 *
 * <p>Threading: {@link #start} and {@link #stop} are thread-safe; ticks run on the scheduler's
 * control loop; readers ({@link #limit()}, {@link #baselineNanos()}) are thread-safe. The decision
 * sink is called on the control loop and must not block.
 */
public final class PoolShedder {
  private final ConcurrencyLimiter limiter;
  private final SheddingSettings settings;
  private final GradientLimit gradient;
  private final DecisionLog log;
  private final Consumer<Decision> decisions;
  private final Periodic periodic;
  private volatile double baselineNanos;
  // Control loop only.
  private LimitHarvest harvest;
  private int floor;

  /**
   * A shedder that starts from the settings' maximum limit (nothing refused until it has
   * measured), or continues from {@code previous} (null: none).
   */
  public PoolShedder(ConcurrencyLimiter limiter, SheddingSettings settings, PoolShedder previous,
      DecisionLog log, Consumer<Decision> decisions) {
    this.limiter = Objects.requireNonNull(limiter, "limiter");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.log = Objects.requireNonNull(log, "log");
    this.decisions = Objects.requireNonNull(decisions, "decisions");
    this.gradient = previous == null
        ? new GradientLimit(limiter.pool(), settings)
        : new GradientLimit(limiter.pool(), settings, limiter.limit(), previous.baselineNanos);
    this.baselineNanos = gradient.baselineNanos();
    limiter.setLimit(gradient.limit());
    this.periodic = new Periodic(settings.interval(), this::begin, this::tick);
  }

  /** A fresh shedder whose decisions go to the log only. */
  public PoolShedder(ConcurrencyLimiter limiter, SheddingSettings settings, DecisionLog log) {
    this(limiter, settings, null, log, d -> {});
  }

  public ConcurrencyLimiter limiter() {
    return limiter;
  }

  public SheddingSettings settings() {
    return settings;
  }

  /** Starts ticking every interval on {@code scheduler}. Once; a start after stop does nothing. */
  public void start(Scheduler scheduler) {
    periodic.start(scheduler);
  }

  /** Stops ticking for good; the limit stays as last set. Thread-safe. */
  public void stop() {
    periodic.stop();
  }

  /** The first window opens. Control loop only. */
  private void begin() {
    harvest = new LimitHarvest(limiter, periodic.scheduler().ticker().nanos());
  }

  /** One control window. Control loop only. */
  private void tick() {
    long now = periodic.scheduler().ticker().nanos();
    LimitWindow w = harvest.harvest(now, settings.minSamples());
    if (w == null) {
      return;
    }
    GradientLimit.Step step = gradient.step(w);
    baselineNanos = gradient.baselineNanos();
    if (step.changed() || step.criticalFloor() != floor) {
      // A floor lasts one window: set again (or cleared) at every step that had one.
      limiter.setLimit(step.to(), step.criticalFloor());
      floor = step.criticalFloor();
    }
    if (step.changed()) {
      Decision d = new Decision(now, limiter.pool(), null, Decision.Kind.CONCURRENCY_LIMIT,
          Integer.toString(step.from()), Integer.toString(step.to()), step.reason());
      log.append(d);
      decisions.accept(d);
    }
  }

  /** The limit of the moment. */
  public int limit() {
    return limiter.limit();
  }

  /** The baseline median latency in nanoseconds; 0 before the first judged window. */
  public double baselineNanos() {
    return baselineNanos;
  }

  @Override
  public String toString() {
    return limiter + ", baseline p50 " + GradientLimit.ms(baselineNanos) + " × "
        + settings.tolerance();
  }
}
