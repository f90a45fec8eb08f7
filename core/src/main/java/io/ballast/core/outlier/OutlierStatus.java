package io.ballast.core.outlier;

/**
 * What outlier detection knows of one backend, for {@code /admin/backends} and metrics. Immutable;
 * the detector publishes a new one on every change.
 *
 * @param ejected out of rotation by outlier detection now
 * @param ejections how many times it has been ejected since the detector started
 * @param multiplier the current ejection-time multiplier (the next ejection lasts base × (this +
 *     1), capped); it decays while the backend stays in
 * @param lastReason the reason of the last ejection, empty if none
 * @param intervalRequests outcomes counted in the last closed interval (external and local)
 * @param intervalFailures failures among them
 */
public record OutlierStatus(
    boolean ejected,
    int ejections,
    int multiplier,
    String lastReason,
    long intervalRequests,
    long intervalFailures) {
  static final OutlierStatus INITIAL = new OutlierStatus(false, 0, 0, "", 0, 0);

  @Override
  public String toString() {
    return (ejected ? "ejected" : "in") + " (ejections " + ejections + ", multiplier " + multiplier
        + ", last interval " + intervalFailures + "/" + intervalRequests + " failed"
        + (lastReason.isEmpty() ? "" : ", last reason: " + lastReason) + ")";
  }
}
