package io.ballast.core.health;

import io.ballast.core.HealthState;

/**
 * Rise/fall damping of check results for one backend, as HAProxy's {@code rise}/{@code fall}: a
 * serving backend goes {@link HealthState#UNHEALTHY} after {@code fall} failures in a row; a
 * backend out of rotation comes back after {@code rise} successes in a row, showing
 * {@link HealthState#RECOVERING} while it climbs.
 *
 * <p>Control loop only (not thread-safe). Starts {@link HealthState#HEALTHY}, so a pool serves at
 * once and a dead backend is found by its checks or its first refused connection.
 */
public final class HealthTracker {
  private final int rise;
  private final int fall;
  private HealthState state = HealthState.HEALTHY;
  private int successes;
  private int failures;

  public HealthTracker(int rise, int fall) {
    if (rise < 1) {
      throw new IllegalArgumentException("rise: " + rise + " (expected: >= 1)");
    }
    if (fall < 1) {
      throw new IllegalArgumentException("fall: " + fall + " (expected: >= 1)");
    }
    this.rise = rise;
    this.fall = fall;
  }

  public HealthState state() {
    return state;
  }

  /** Records a passing check; returns the new state. */
  public HealthState onSuccess() {
    failures = 0;
    if (!state.serving()) {
      successes++;
      state = successes >= rise ? HealthState.HEALTHY : HealthState.RECOVERING;
    }
    return state;
  }

  /** Records a failing check; returns the new state. */
  public HealthState onFailure() {
    successes = 0;
    if (state.serving()) {
      failures++;
      if (failures >= fall) {
        state = HealthState.UNHEALTHY;
      }
    } else {
      state = HealthState.UNHEALTHY;
    }
    return state;
  }

  /** Takes the backend out at once (a refused connection); it must rise again to return. */
  public HealthState forceDown() {
    successes = 0;
    failures = 0;
    state = HealthState.UNHEALTHY;
    return state;
  }

  /** Consecutive passing checks while out of rotation. */
  public int successes() {
    return successes;
  }

  /** Consecutive failing checks while in rotation. */
  public int failures() {
    return failures;
  }

  @Override
  public String toString() {
    return state + " (rise " + successes + "/" + rise + ", fall " + failures + "/" + fall + ")";
  }
}
