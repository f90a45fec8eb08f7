package io.ballast.sim;

import java.time.Duration;
import java.util.Objects;

/**
 * The modelled clients: open-loop arrivals (they do not wait for answers before sending more, as
 * a real population of users does not), at a rate that follows {@code rate}. Immutable.
 *
 * @param rate arrivals per second over time
 * @param timeout a client gives up after this long and counts an error; zero: never
 */
public record ClientSpec(RateProfile rate, Duration timeout) {
  public ClientSpec {
    Objects.requireNonNull(rate, "rate");
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout: " + timeout + " (expected: >= 0)");
    }
    if (!(rate.maxRate() > 0)) {
      throw new IllegalArgumentException("rate: never above 0 (expected: some traffic)");
    }
  }
}
