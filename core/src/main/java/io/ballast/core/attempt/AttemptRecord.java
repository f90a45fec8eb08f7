package io.ballast.core.attempt;

import io.ballast.core.retry.RetryDecision;
import java.util.Objects;

/**
 * One ended attempt and how it was classified: what its backend's load, gate and outlier
 * tracker were told, and the retry decision it led to. Given to an {@link AttemptListener}.
 *
 * @param backend the backend's name
 * @param outcome how the attempt ended
 * @param status the backend's status, 0 when it gave none
 * @param loadFailure whether the backend's load counted a failure; null when the attempt never
 *     started in the load (refused, connect failed)
 * @param gateFailure whether the backend's gate counted a failure; null when the gate was given
 *     its permit back without an outcome (or refused the attempt)
 * @param outlier what the outlier tracker was told last: "response 503", "local-origin failure",
 *     "local-origin success", or "" for nothing
 * @param decision the retry decision taken on this attempt; null when none was asked (a relayed
 *     answer that is not retryable, an abandoned attempt)
 */
public record AttemptRecord(String backend, AttemptOutcome outcome, int status,
    Boolean loadFailure, Boolean gateFailure, String outlier, RetryDecision decision) {
  public AttemptRecord {
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(outlier, "outlier");
  }

  @Override
  public String toString() {
    return backend + " " + outcome.label() + (status != 0 ? " " + status : "")
        + " load=" + (loadFailure == null ? "-" : loadFailure ? "failure" : "success")
        + " gate=" + (gateFailure == null ? "-" : gateFailure ? "failure" : "success")
        + " outlier=" + (outlier.isEmpty() ? "-" : outlier)
        + " retry=" + (decision == null ? "-" : decision.label());
  }
}
