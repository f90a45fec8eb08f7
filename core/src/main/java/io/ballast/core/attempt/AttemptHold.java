package io.ballast.core.attempt;

import io.ballast.core.AttemptGate;
import io.ballast.core.Backend;
import io.ballast.core.Ticker;

/**
 * What one attempt holds on its backend, and what it told the backend's parts: the gate's
 * permit (circuit breaker), the attempt's place in the backend's load, and the outcomes reported
 * to the backend's outcome listener (outlier tracker). Each of the permit and the load place is
 * ended exactly once: by {@link #end} with the attempt's verdict, or by {@link #abandon} when the
 * request ends on the client's side. {@link Attempts} decides the verdicts; this class only keeps
 * the books, so that no path can end a permit twice or forget one.
 *
 * <p>Reused from attempt to attempt ({@link #open}); allocates nothing. Not thread-safe: owned
 * by one {@link Attempts}, on its thread.
 */
final class AttemptHold {
  private static final int OUTLIER_SUCCESS = 1;
  private static final int OUTLIER_FAILURE = 2;

  private final Ticker ticker;
  private Backend backend;
  /** The gate whose permit the attempt holds; null once it has its outcome or never had one. */
  private AttemptGate gate;
  private boolean loadOpen;
  /** A stream's attempt: the load's latency is the time to connect, not the stream's life. */
  private boolean stream;
  private int joined;
  private long gateStartNanos;
  private long loadStartNanos;
  private long headNanos;
  private int status;
  /** What the outlier tracker heard: OUTLIER_* bits. */
  private int outlier;
  /** What the last end told the load and the gate; null: nothing. */
  private Boolean lastLoad;
  private Boolean lastGate;

  AttemptHold(Ticker ticker) {
    this.ticker = ticker;
  }

  /**
   * A new attempt on {@code b}: true when its gate gives a permit (the gate's duration counts
   * from now), false when the gate refuses ({@link #refusal()} says why).
   */
  boolean open(Backend b, boolean panic) {
    backend = b;
    status = 0;
    headNanos = 0;
    stream = false;
    outlier = 0;
    lastLoad = null;
    lastGate = null;
    AttemptGate g = b.gate();
    if (!g.tryAcquire(panic)) {
      return false;
    }
    gate = g;
    gateStartNanos = ticker.nanos();
    return true;
  }

  /** Why the gate refused the last {@link #open}. */
  String refusal() {
    return backend.gate().refusal();
  }

  /** Forgets the attempt's backend (its books are closed); nothing is held any more. */
  void clear() {
    backend = null;
    gate = null;
    loadOpen = false;
  }

  Backend backend() {
    return backend;
  }

  /** The status of the attempt's response head, 0 before one. */
  int status() {
    return status;
  }

  Boolean lastLoad() {
    return lastLoad;
  }

  Boolean lastGate() {
    return lastGate;
  }

  /** True while a permit or a place in the load is held. */
  boolean holding() {
    return backend != null && (loadOpen || gate != null);
  }

  /** The outlier tracker hears a local-origin success (a connection is up). */
  void localSuccess() {
    backend.outcomes().localOriginSuccess();
    outlier |= OUTLIER_SUCCESS;
  }

  /** The outlier tracker hears a local-origin failure (connect, reset, timeout, broken body). */
  void localFailure() {
    backend.outcomes().localOriginFailure();
    outlier |= OUTLIER_FAILURE;
  }

  /** The request starts going out: it takes a place in the backend's load. */
  void sending() {
    joined = backend.load().start();
    loadOpen = true;
    loadStartNanos = ticker.nanos();
  }

  /**
   * A stream's connection is up: it takes a place in the backend's load for as long as it lives
   * (least connections counts open streams), and both the gate's duration and the load's latency
   * end here, at the time it took to connect: a stream's life says how long a client talked, not
   * how fast the backend is. Worked example: a connect of 2 ms on a stream that lives 10 minutes
   * gives auto and peak EWMA a 2 ms sample.
   */
  void streamOpened() {
    joined = backend.load().start();
    loadOpen = true;
    loadStartNanos = gateStartNanos;
    headNanos = ticker.nanos();
    stream = true;
  }

  /** The response head arrived: the gate's duration ends here; the outlier tracker hears it. */
  void head(int code) {
    head(code, true);
  }

  /**
   * The response head arrived; the outlier tracker hears {@code code} now when {@code tell},
   * else at {@link #finalStatus} (a status that comes at the end of the response judges it).
   */
  void head(int code, boolean tell) {
    headNanos = ticker.nanos();
    status = code;
    if (tell) {
      backend.outcomes().response(code);
    }
  }

  /** The status that judges the attempt, known at its end; the outlier tracker hears it. */
  void finalStatus(int code) {
    status = code;
    backend.outcomes().response(code);
  }

  /** Ends the attempt in the backend's load and gate (each once), with these verdicts. */
  void end(boolean gateFailure, boolean loadFailure) {
    long now = ticker.nanos();
    lastLoad = null;
    if (loadOpen) {
      loadOpen = false;
      lastLoad = loadFailure;
      backend.load().complete(!loadFailure, (stream ? headNanos : now) - loadStartNanos, joined);
    }
    lastGate = null;
    AttemptGate g = gate;
    if (g != null) {
      gate = null;
      lastGate = gateFailure;
      g.onResult((headNanos != 0 ? headNanos : now) - gateStartNanos, gateFailure);
    }
  }

  /**
   * The request ended on the client's side: only the backend's own answer, if it gave one,
   * counts for or against it; a permit with no outcome goes back ({@link #lastGate()} null).
   */
  void abandon() {
    lastLoad = null;
    if (loadOpen) {
      loadOpen = false;
      lastLoad = Failures.forLoad(status);
      backend.load().complete(!lastLoad, ticker.nanos() - loadStartNanos, joined);
    }
    lastGate = null;
    AttemptGate g = gate;
    if (g != null) {
      gate = null;
      if (status != 0) {
        lastGate = Failures.forGate(status);
        g.onResult(headNanos - gateStartNanos, lastGate);
      } else {
        g.release();
      }
    }
  }

  /** What the outlier tracker heard, for the attempt's record ("local-origin success, ..."). */
  String outlierText() {
    StringBuilder b = new StringBuilder();
    if ((outlier & OUTLIER_SUCCESS) != 0) {
      b.append("local-origin success");
    }
    if (status != 0) {
      b.append(b.length() == 0 ? "" : ", ").append("response ").append(status);
    }
    if ((outlier & OUTLIER_FAILURE) != 0) {
      b.append(b.length() == 0 ? "" : ", ").append("local-origin failure");
    }
    return b.toString();
  }
}
