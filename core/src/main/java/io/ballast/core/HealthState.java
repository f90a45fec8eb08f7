package io.ballast.core;

/** The health verdict of one backend, as decided by the control loop. */
public enum HealthState {
  /** Serving normally. */
  HEALTHY(true),
  /** Serving, but some checks fail; kept in rotation. */
  DEGRADED(true),
  /** Not serving: out of rotation until checks pass again. */
  UNHEALTHY(false),
  /** Checks pass again but not yet enough times in a row; still out of rotation. */
  RECOVERING(false);

  private final boolean serving;

  HealthState(boolean serving) {
    this.serving = serving;
  }

  /** True when a backend in this state takes new requests. */
  public boolean serving() {
    return serving;
  }
}
