package io.ballast.sim;

import io.ballast.core.shed.Priority;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * The modelled clients: open-loop arrivals (they do not wait for answers before sending more, as
 * a real population of users does not), at a rate that follows {@code rate}. Immutable.
 *
 * @param rate arrivals per second over time
 * @param timeout a client gives up after this long and counts an error; zero: never
 * @param priorities the mix of request classes (relative weights, each class drawn at random in
 *     proportion), which a variant with {@code shedding} admits by; every request is
 *     {@link Priority#DEFAULT} unless said otherwise
 */
public record ClientSpec(RateProfile rate, Duration timeout, Map<Priority, Double> priorities) {
  public ClientSpec {
    Objects.requireNonNull(rate, "rate");
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout: " + timeout + " (expected: >= 0)");
    }
    if (!(rate.maxRate() > 0)) {
      throw new IllegalArgumentException("rate: never above 0 (expected: some traffic)");
    }
    double sum = 0;
    for (Map.Entry<Priority, Double> e : priorities.entrySet()) {
      double w = e.getValue();
      if (!(w >= 0 && Double.isFinite(w))) {
        throw new IllegalArgumentException("priorities." + e.getKey().label() + ": " + w
            + " (expected: a number >= 0)");
      }
      sum += w;
    }
    if (!(sum > 0)) {
      throw new IllegalArgumentException("priorities: all 0 (expected: some weight)");
    }
    priorities = java.util.Collections.unmodifiableMap(new EnumMap<>(priorities));
  }

  /** Clients whose requests are all {@link Priority#DEFAULT}. */
  public ClientSpec(RateProfile rate, Duration timeout) {
    this(rate, timeout, Map.of(Priority.DEFAULT, 1.0));
  }

  /**
   * The class of a request for a uniform draw {@code u} in [0, 1): classes in the order of
   * {@link Priority}, each taking its share of the interval.
   */
  Priority priority(double u) {
    double sum = 0;
    for (double w : priorities.values()) {
      sum += w;
    }
    double at = u * sum;
    Priority last = Priority.DEFAULT;
    for (Map.Entry<Priority, Double> e : priorities.entrySet()) {
      if (e.getValue() <= 0) {
        continue;
      }
      last = e.getKey();
      at -= e.getValue();
      if (at < 0) {
        return last;
      }
    }
    return last;
  }
}
