package io.ballast.core.shed;

/**
 * What a pool's admitted requests did over one control window: the input of one
 * {@link GradientLimit} step. Immutable.
 *
 * @param nanos the window's length
 * @param completions admitted requests that ended in the window
 * @param p50Nanos their median latency (within the histogram's 6%), 0 without completions
 * @param peakInFlight the most requests in flight at once during the window
 * @param refused requests refused in the window, every class
 * @param refusedSheddable of them, sheddable ones
 * @param inFlight requests in flight when the window closed
 * @param queued requests that met the limit in the window and waited for a place in the pool's
 *     {@link WaitingLine} (admitted after, or refused when their wait ran out)
 */
public record LimitWindow(long nanos, long completions, long p50Nanos, int peakInFlight,
    long refused, long refusedSheddable, int inFlight, long queued) {

  /** A window of a pool whose requests never wait. */
  public LimitWindow(long nanos, long completions, long p50Nanos, int peakInFlight,
      long refused, long refusedSheddable, int inFlight) {
    this(nanos, completions, p50Nanos, peakInFlight, refused, refusedSheddable, inFlight, 0);
  }

  /**
   * True when the limit refused something or made something wait: it, not the demand, bounded
   * the window.
   */
  public boolean atLimit() {
    return refused > 0 || queued > 0;
  }
}
