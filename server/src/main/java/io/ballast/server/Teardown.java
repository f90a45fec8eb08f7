package io.ballast.server;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the parts of a stopping ballast in the order they were added, each on its own: one that
 * fails is logged once and the next still closes, so that a faulty part never keeps a port or a
 * thread alive after a stop.
 *
 * <p>Used by the stopping thread only.
 */
final class Teardown {
  private static final Logger log = LoggerFactory.getLogger(Ballast.class);

  /** One part's close. */
  @FunctionalInterface
  interface Step {
    void run() throws Exception;
  }

  private final List<Step> steps = new ArrayList<>();

  /** Adds {@code step}. */
  Teardown then(Step step) {
    steps.add(step);
    return this;
  }

  /** Adds the close of {@code part}, unless it never started (null). */
  Teardown thenClose(AutoCloseable part) {
    if (part != null) {
      steps.add(part::close);
    }
    return this;
  }

  /** Runs every step in order. */
  void run() {
    for (Step step : steps) {
      try {
        step.run();
      } catch (Exception e) {
        log.warn("while stopping: {}", e.toString());
      }
    }
  }
}
