package io.ballast.sim;

import java.time.Duration;
import java.util.Objects;

/**
 * A change of a modelled backend at a point of its timeline. Every field but {@code at} is
 * optional (null: unchanged); an event changes at least one. Immutable.
 *
 * @param at when, from the start of the run
 * @param slowdown service times are multiplied by this from now on (1 restores the base speed)
 * @param errorRate the share of requests answered with the backend's error status from now on
 * @param slots worker slots from now on (requests beyond them queue)
 * @param alive false: the backend dies (connections refused, requests in progress reset);
 *     true: it comes back, empty
 */
public record BackendEvent(Duration at, Double slowdown, Double errorRate, Integer slots,
    Boolean alive) {
  public BackendEvent {
    Objects.requireNonNull(at, "at");
    if (at.isNegative()) {
      throw new IllegalArgumentException("at: " + at + " (expected: >= 0)");
    }
    if (slowdown == null && errorRate == null && slots == null && alive == null) {
      throw new IllegalArgumentException(
          "event: no change (expected: one of slowdown, error_rate, slots, alive)");
    }
    if (slowdown != null && !(slowdown > 0 && slowdown <= 1e6)) {
      throw new IllegalArgumentException("slowdown: " + slowdown + " (expected: > 0)");
    }
    if (errorRate != null && !(errorRate >= 0 && errorRate <= 1)) {
      throw new IllegalArgumentException("error_rate: " + errorRate + " (expected: 0..1)");
    }
    if (slots != null && slots < 1) {
      throw new IllegalArgumentException("slots: " + slots + " (expected: >= 1)");
    }
  }
}
