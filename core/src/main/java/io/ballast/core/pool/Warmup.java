package io.ballast.core.pool;

import io.ballast.core.Scheduler;
import java.time.Duration;

/**
 * How a backend that comes back (health, the operator, outlier detection, its circuit, or joining
 * the running pool) regains its share of traffic: by the slow-start timer, whose ramp
 * {@link EffectiveWeights} applies, or by feedback, at a start percentage that whoever listens (the
 * weight controller) raises while the backend keeps up with the pool. Also keeps the timer that
 * rebuilds the picker at each step of a ramp, since a ramp's weight changes with time alone.
 *
 * <p>Control loop only.
 */
final class Warmup {
  private final Scheduler scheduler;
  private final Runnable rebuild;
  /** Weight percentage a returning backend starts at under feedback warm-up; 0 when off. */
  private int startPercent;
  /** A rebuild at the next step of a ramp is scheduled. */
  private boolean ticking;

  /** @param rebuild rebuilds the pool's picker, at each step of a ramp */
  Warmup(Scheduler scheduler, Runnable rebuild) {
    this.scheduler = scheduler;
    this.rebuild = rebuild;
  }

  /** Feedback warm-up from {@code startPercent}; 0 turns it off (slow start ramps instead). */
  void useFeedback(int startPercent) {
    if (startPercent < 0 || startPercent > 100) {
      throw new IllegalArgumentException(
          "startPercent: " + startPercent + " (expected: 0..100)");
    }
    this.startPercent = startPercent;
  }

  /**
   * The backend came back: under feedback warm-up it serves at the start percentage from now on
   * (true: tell whoever raises it); otherwise its slow-start ramp starts now.
   */
  boolean start(BackendStatus s) {
    if (startPercent > 0) {
      s.weightPercent = startPercent;
      return true;
    }
    s.rampStartNanos = scheduler.ticker().nanos();
    return false;
  }

  /**
   * Some backend ramps: rebuild at the ramp's next step, 1/{@value EffectiveWeights#RAMP_STEPS}
   * of {@code slowStart} from now, unless that rebuild is scheduled already.
   */
  void nextStep(Duration slowStart) {
    if (!ticking) {
      ticking = true;
      scheduler.schedule(slowStart.dividedBy(EffectiveWeights.RAMP_STEPS), () -> {
        ticking = false;
        rebuild.run();
      });
    }
  }
}
