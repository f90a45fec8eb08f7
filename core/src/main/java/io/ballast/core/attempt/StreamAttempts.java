package io.ballast.core.attempt;

import io.ballast.core.Backend;
import io.ballast.core.Ticker;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.retry.RetryPolicy;
import java.util.List;

/**
 * The attempt protocol of a byte stream (a TCP connection of a {@code mode: tcp} listener): the
 * same decisions as a request's ({@link Attempts}: the pick, the gate, the load, the outlier
 * tracker, the retry policy), with fewer steps: its connection is its answer, and nothing is
 * retried once one is up. It is retried only while no backend accepted it (a refused or
 * timed-out connect, a gate's refusal), within the policy's attempts and overall timeout, free
 * of the retry budget as every attempt that never reached a backend is.
 * <pre>{@code
 * attempts.start(pool, policy, hashKey, zone);
 * for (Backend b = attempts.next(); b != null; b = attempts.next()) {   // null: close the client
 *   connect to b; failed: if (!attempts.connectFailed(why)) close the client; else continue;
 *   done:  attempts.opened(); relay bytes until the end
 *   end:   attempts.ended() (closed in order, by the client, idle), or
 *          attempts.broken(why) (the backend reset it)
 *   client gone before a backend took it: attempts.abandoned()
 * }
 * }</pre>
 *
 * <p>Not thread-safe: one instance serves one stream at a time on one thread.
 */
public final class StreamAttempts {
  /**
   * The method a stream's retry state is started with: not one the retry policy replays, so
   * that a stream is never sent twice (it is marked not idempotent besides).
   */
  static final String METHOD = "STREAM";

  private final Attempts attempts;

  /**
   * @param ticker the clock attempts are timed on
   * @param listener told of every attempt as it ends; {@link AttemptListener#NONE} for nobody
   */
  public StreamAttempts(Ticker ticker, AttemptListener listener) {
    this.attempts = new Attempts(ticker, listener);
  }

  /**
   * A stream begins: its attempts go to {@code pool} under {@code policy}, through the pool's
   * picker.
   *
   * @param hashKey the stream's hash key (the client's address) for hash-based pools, 0 for none
   * @param locality the client's zone index in the pool's zone map, -1 when unknown
   */
  public void start(LoadBalancer pool, RetryPolicy policy, long hashKey, int locality) {
    attempts.startStream(pool, policy, hashKey, locality);
  }

  /** The backend to connect to next, its gate passed; null when none can take the stream. */
  public Backend next() {
    return attempts.next();
  }

  /** The connect failed ({@code why}); true when another backend is tried. */
  public boolean connectFailed(String why) {
    return attempts.connectFailed(why);
  }

  /**
   * The connection is up: the stream counts in the backend's load until it ends, and the gate
   * and the load learn the time it took to connect (see {@link AttemptHold#streamOpened}).
   */
  public void opened() {
    attempts.connected();
    attempts.streamOpened();
  }

  /**
   * The stream ended without the backend breaking it: a side closed it, the client reset it, or
   * it idled out. A success for the load and the gate; the outlier tracker heard the connect.
   */
  public void ended() {
    attempts.streamEnded();
  }

  /** The backend broke the stream (a reset): a failure for its load, gate and outlier tracker. */
  public void broken(String why) {
    attempts.broken(why);
  }

  /** The client left before the stream ended or before a backend took it. */
  public void abandoned() {
    attempts.abandoned();
  }

  /** Why the stream failed (or why the last connect failed), null when nothing failed. */
  public String reason() {
    return attempts.reason();
  }

  /** Attempts made, refusals by a gate included. */
  public int count() {
    return attempts.count();
  }

  /** The backends tried, in order; allocates. */
  public List<Backend> backendsTried() {
    return attempts.backendsTried();
  }
}
