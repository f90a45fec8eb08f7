package io.ballast.core.outlier;

/**
 * How long ejections last, after Envoy's: an ejection lasts {@code base × multiplier}, capped at
 * {@code maxEjectionTime} ({@link OutlierSettings#ejectionTime}); the multiplier rises by one per
 * ejection while the time it gives is below the cap, and falls by one per interval once the
 * backend has stayed in for as long as its last ejection lasted. A backend that fails again soon
 * stays out longer each time; one that behaves is forgiven step by step.
 *
 * <p>Worked example, base 30 s, max 70 s: four ejections in a row last 30, 60, 70 and 70 s
 * (multiplier 1, 2, 3, 3: at 3 the time is capped, so it rises no further). Back at multiplier 2
 * (its last ejection lasted 60 s), the backend steps down to 1 at the first interval at least
 * 60 s after its return, and to 0 at the next interval (by then more than the 30 s of
 * multiplier 1 in).
 *
 * <p>Pure.
 */
final class EjectionBackoff {
  private EjectionBackoff() {}

  /** The multiplier of the ejection that follows one at {@code multiplier}. */
  static int onEjection(OutlierSettings settings, int multiplier) {
    return settings.baseEjectionTime().multipliedBy(multiplier)
        .compareTo(settings.maxEjectionTime()) < 0 ? multiplier + 1 : multiplier;
  }

  /**
   * The multiplier after an interval ending at {@code nowNanos}: one step down once a backend
   * that is in has stayed in since {@code returnedAtNanos} for as long as an ejection at its
   * multiplier lasts.
   */
  static int atInterval(OutlierSettings settings, int multiplier, boolean ejected,
      long returnedAtNanos, long nowNanos) {
    if (ejected || multiplier == 0) {
      return multiplier;
    }
    long calm = settings.ejectionTime(multiplier).toNanos();
    return nowNanos - returnedAtNanos >= calm ? multiplier - 1 : multiplier;
  }
}
