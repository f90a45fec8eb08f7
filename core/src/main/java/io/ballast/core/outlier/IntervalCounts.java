package io.ballast.core.outlier;

/**
 * One backend's outcomes over one closed interval, as its {@link OutlierTracker} counted them:
 * the backend's answers ("external") and, in split mode, the failures to reach it ("local
 * origin") apart. Immutable.
 */
record IntervalCounts(long extSuccesses, long extFailures, long locSuccesses, long locFailures) {
  static final IntervalCounts ZERO = new IntervalCounts(0, 0, 0, 0);

  /** The counts packed by the tracker's harvests. */
  static IntervalCounts harvested(long external, long localOrigin) {
    return new IntervalCounts(OutlierTracker.successes(external),
        OutlierTracker.failures(external), OutlierTracker.successes(localOrigin),
        OutlierTracker.failures(localOrigin));
  }

  /** Outcomes of one kind: local-origin ({@code local}) or external. */
  long total(boolean local) {
    return local ? locSuccesses + locFailures : extSuccesses + extFailures;
  }

  long failures(boolean local) {
    return local ? locFailures : extFailures;
  }

  /** Success rate in percent; 100 without outcomes. */
  double rate(boolean local) {
    long total = total(local);
    return total == 0 ? 100.0 : 100.0 * (local ? locSuccesses : extSuccesses) / total;
  }
}
