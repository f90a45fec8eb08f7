package io.ballast.core.outlier;

/**
 * Why outlier detection ejected a backend: one constant per rule, so metrics can count ejections
 * by rule. {@link #label()} is the stable lower-case name for metric labels and JSON.
 */
public enum EjectionKind {
  /** The backend answered 5xx (or, unless local-origin errors are split, failed locally) N times in a row. */
  CONSECUTIVE_5XX("consecutive_5xx"),
  /** 502, 503, 504 or (unless split) a local-origin failure, N times in a row. */
  CONSECUTIVE_GATEWAY_FAILURE("consecutive_gateway_failure"),
  /** Split mode only: refused, reset or timed out N times in a row. */
  CONSECUTIVE_LOCAL_ORIGIN_FAILURE("consecutive_local_origin_failure"),
  /** The interval's success rate fell below the pool's mean minus stdevFactor standard deviations. */
  SUCCESS_RATE("success_rate"),
  /** The interval's failure share reached the failure-percentage threshold. */
  FAILURE_PERCENTAGE("failure_percentage"),
  /** Split mode only: the success-rate rule applied to local-origin outcomes. */
  LOCAL_ORIGIN_SUCCESS_RATE("local_origin_success_rate"),
  /** Split mode only: the failure-percentage rule applied to local-origin outcomes. */
  LOCAL_ORIGIN_FAILURE_PERCENTAGE("local_origin_failure_percentage");

  private final String label;

  EjectionKind(String label) {
    this.label = label;
  }

  /** A stable name for metric labels and JSON, e.g. {@code consecutive_5xx}. */
  public String label() {
    return label;
  }
}
