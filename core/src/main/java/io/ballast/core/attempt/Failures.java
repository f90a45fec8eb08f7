package io.ballast.core.attempt;

/**
 * What counts as a failure, and for whom: the one place that says it, for every driver of
 * attempts (proxy, mirror, simulator).
 *
 * <p>Worked example: a backend answers 429. Its load counts a failure (auto, peak EWMA and the
 * weight controller must not take a fast refusal for a fast backend), its circuit breaker counts
 * a success (a 429 is an answer, the backend is up), its outlier tracker counts a success (only
 * 5xx are server errors), and the request is retried only if 429 is configured as retryable. A
 * 503 fails all three. A reset, a timeout or a refused connect fails all three too, and the
 * outlier tracker counts them as local-origin failures.
 *
 * <p>What each outcome of an attempt ({@link Attempts}) tells whom:
 * <table>
 *   <tr><th>outcome</th><th>load</th><th>gate</th><th>outlier tracker</th><th>retry as</th></tr>
 *   <tr><td>gate refuses</td><td>-</td><td>-</td><td>-</td><td>REJECTED_LOCALLY</td></tr>
 *   <tr><td>connect fails</td><td>-</td><td>failure</td><td>local-origin failure</td>
 *       <td>CONNECT_FAILED</td></tr>
 *   <tr><td>reset, timeout</td><td>failure</td><td>failure</td><td>local-origin failure</td>
 *       <td>as reported</td></tr>
 *   <tr><td>answered</td><td>{@link Failures#forLoad}</td><td>{@link Failures#forGate}</td>
 *       <td>the status</td><td>the status, if retryable</td></tr>
 *   <tr><td>broken after the head</td><td>failure</td><td>failure</td>
 *       <td>the status, then local-origin failure</td><td>never (the client has bytes)</td></tr>
 *   <tr><td>abandoned</td><td>by the status, if any</td><td>by the status, else released</td>
 *       <td>-</td><td>-</td></tr>
 * </table>
 * A refused connect also tells the pool ({@link LoadBalancer#reportConnectFailure}). The gate's
 * duration ends at the response head when there is one: how long the backend took to answer,
 * not how long a slow client took to read the body. The load's ends with the attempt.
 *
 * <p>Stateless and thread-safe.
 */
public final class Failures {
  private Failures() {}

  /**
   * Whether an answer counts against the backend in its load (what auto, peak EWMA and the
   * weight controller read): a 5xx, and a 429, with which the backend sheds work it has no room
   * for. A fast 429 counted as a success would make a shedding backend look like the fastest one
   * and draw more traffic to it.
   */
  public static boolean forLoad(int status) {
    return status >= 500 || status == 429;
  }

  /** Whether an answer counts against the backend's gate (its circuit breaker): a 5xx. */
  public static boolean forGate(int status) {
    return status >= 500;
  }
}
