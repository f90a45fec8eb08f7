package io.ballast.core.optimizer;

/**
 * What the {@link WeightController} keeps of one backend between steps: its cost, the memory of
 * its PID ({@link PidControl}), the percentage last published, its warm-up by feedback
 * ({@link FeedbackWarmup}) and what was last said about it.
 *
 * <p>Mutable; control loop only, as the controller.
 */
final class ControlState {
  double cost = 1;
  /** The PID's output: a weight percentage before the agent's. */
  double output = 100;
  double integral;
  double previousError;
  boolean hasPrevious;
  int published = 100;
  /** Holding for thin data, said once. */
  boolean thin;
  boolean warming;
  boolean paused;
  double warmPercent;
  /** Starts true so that a pool without figures says once that it runs on traffic. */
  boolean hadFigure = true;
  /** Why the output is what it is, for the decision that publishes it. */
  String reason;

  /**
   * Holds the output and re-seats the integral on it ({@code output = 100 × exp(-ki × integral)}
   * solved for the integral), so that acting again starts smoothly, without a jump.
   */
  void hold(double ki) {
    integral = ki > 0 ? -Math.log(output / 100) / ki : 0;
    hasPrevious = false;
  }
}
