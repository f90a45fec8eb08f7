package io.ballast.core.attempt;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Ticker;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.retry.AttemptFailure;
import io.ballast.core.retry.RetryDecision;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.retry.RetryState;
import java.util.List;
import java.util.Objects;

/**
 * The attempt protocol: one request's attempts on one pool, from the pick to the outcome, as
 * every driver lives them (the HTTP/1.1 relay, the mirror, the simulator, and the protocols that
 * come after). The driver moves bytes and reports what happened; this class decides, and tells
 * each backend's load, gate (circuit breaker) and outcome listener (outlier tracker) exactly
 * once per attempt, by the rules of {@link Failures}.
 *
 * <h2>The driver's side</h2>
 * <pre>{@code
 * attempts.start(pool, policy, chooser, method, hashKey, zone);
 * attempts.notIdempotent();                      // only for a request no replay may repeat
 * for (Backend b = attempts.next(); b != null; b = attempts.next()) {   // null: answer
 *   connect to b (a pooled connection counts as connected at once)      //   failStatus(), reason()
 *   failed:   if (!attempts.connectFailed(why)) answer failStatus(); else continue;
 *   done:     attempts.connected(); attempts.sending(); write the request, arm attemptTimeoutNanos()
 *   reset or timeout before the head:
 *             if (!attempts.failed(kind, why)) answer failStatus(); else continue;
 *   head:     if (attempts.answered(status)) { drop this answer; continue; }  // retried
 *             relay it; at its end attempts.completed(), or attempts.broken(why) if it breaks
 *   client gone at any time: attempts.abandoned()
 * }
 * }</pre>
 *
 * <p>A byte stream (a TCP connection) lives the same protocol with fewer steps: see
 * {@link StreamAttempts}.
 *
 * <p>What each outcome tells the backend's load, gate and outlier tracker, and how it is retried:
 * the table of {@link Failures}.
 *
 * <p>This class decides; what the attempt in progress holds on its backend (the permit, the
 * place in the load, what the outlier tracker heard) is booked by {@link AttemptHold}, which ends
 * each exactly once; where its backends come from (the chooser or the pool's picker, the way back
 * to a tried backend, a probe a pick names) is {@link AttemptPicks}'.
 *
 * <p>A retryable status is given up for a retry only once another backend was picked: with
 * nobody to retry on, the client gets the backend's own answer.
 *
 * <p>Not thread-safe: one instance serves one request at a time on one thread (an event loop,
 * the simulator's thread), and is reused for the next request ({@link #start}), so that a
 * request that is not retried allocates nothing here.
 */
public final class Attempts {
  /** Where a request's backends come from: its pool's picker, or its session's. */
  @FunctionalInterface
  public interface Chooser {
    PickResult choose(PickContext context);
  }

  private final AttemptListener listener;
  /** The attempt in progress: what it holds on its backend. */
  private final AttemptHold hold;

  // Per request; set again by start().
  private final AttemptPicks picks = new AttemptPicks();
  private LoadBalancer pool;
  private RetryPolicy policy;
  private RetryState retry;
  /** Picked for the retry of an answer that was dropped; next() starts there. */
  private Backend pending;
  private Backend reached;
  private int failStatus;
  private String reason;

  /** The attempt's answer is judged at its end ({@link #answeredUntilEnd}). */
  private boolean judgedAtEnd;

  /** The retry decision on the attempt's status, null when there was none. */
  private RetryDecision decision;

  /**
   * @param ticker the clock attempts are timed on (the system's, or the simulator's)
   * @param listener told of every attempt as it ends; {@link AttemptListener#NONE} for nobody
   */
  public Attempts(Ticker ticker, AttemptListener listener) {
    this.hold = new AttemptHold(Objects.requireNonNull(ticker, "ticker"));
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /**
   * A request begins: its attempts go to {@code pool}, under {@code policy} (the route's or the
   * pool's), picking through {@code chooser} (null: the pool's picker). The previous request
   * must have ended (completed, given up or abandoned).
   *
   * @param method the request method as received (methods are case-sensitive)
   * @param hashKey the request's hash key for hash-based pools, 0 for none
   * @param locality the client's zone index in the pool's zone map, -1 when unknown
   */
  public void start(LoadBalancer pool, RetryPolicy policy, Chooser chooser, String method,
      long hashKey, int locality) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.policy = Objects.requireNonNull(policy, "policy");
    picks.start(pool, chooser);
    this.retry = policy.start(method, hashKey, retry);
    retry.locality(locality);
    pending = null;
    reached = null;
    judgedAtEnd = false;
    failStatus = 503;
    reason = null;
    hold.clear();
  }

  /**
   * The driver can send a copy of this request to probe another backend beside it (the request
   * is GET or HEAD without a body): the first pick may then name one ({@link #takeProbe()}).
   */
  public void mayProbeAside() {
    retry.probeAside(true);
  }

  /**
   * The backend the last {@link #next()} asked to be probed with a copy of this request, once;
   * null when none. The driver sends the copy as an attempt of its own on the same pool, whose
   * outcome the backend's load hears as any request's; the client never waits on it.
   */
  public Backend takeProbe() {
    return picks.takeProbe();
  }

  // The stream protocol's steps (StreamAttempts documents them).

  void startStream(LoadBalancer pool, RetryPolicy policy, long hashKey, int locality) {
    start(pool, policy, null, StreamAttempts.METHOD, hashKey, locality);
    notIdempotent();
  }

  void streamOpened() {
    hold.streamOpened();
    reached = hold.backend();
  }

  void streamEnded() {
    hold.end(false, false);
    record(AttemptOutcome.STREAM_ENDED, null);
    hold.clear();
  }

  /**
   * The request is a gRPC call: once it reached a backend it is retried only on a retryable
   * status given before any of its answer was relayed ({@link RetryState#grpcCall}).
   */
  public void grpcCall() {
    retry.grpcCall();
  }

  /**
   * The request must not reach two backends, whatever its method (a WebSocket handshake opens a
   * session): it is retried only while no attempt has reached a backend (a refused connect, a
   * connection that closed before the request was written, a gate's refusal). Call after
   * {@link #start}.
   */
  public void notIdempotent() {
    retry.notIdempotent();
  }

  /** The whole request arrived: the overall timeout counts from now. */
  public void requestReceived() {
    retry.requestReceived();
  }

  /** Bytes of the body were sent and not kept: no later attempt can replay the request. */
  public void bodyNotReplayable() {
    retry.bodyNotReplayable();
  }

  /**
   * The backend of the next attempt, its gate passed; null when no backend can take the request
   * (then answer {@link #failStatus()} with {@link #reason()}). A gate's refusal is an attempt
   * too: it is recorded, decided, and the next backend tried when the decision allows.
   */
  public Backend next() {
    for (;;) {
      Backend b = pending;
      pending = null;
      if (b == null) {
        b = pick();
        if (b == null) {
          noBackendLeft();
          return null;
        }
      }
      retry.attempted(b);
      decision = null;
      if (hold.open(b, pool.panic())) {
        return b;
      }
      failStatus = 503;
      reason = b.name() + " refused locally: " + hold.refusal();
      if (!decide(AttemptOutcome.REFUSED_LOCALLY, AttemptFailure.REJECTED_LOCALLY)) {
        return null;
      }
    }
  }

  /** How long the attempt may wait for its response head (per-try and overall timeouts). */
  public long attemptTimeoutNanos() {
    return retry.attemptTimeoutNanos();
  }

  /** The connection to the attempt's backend is up (new, or taken from a pool). */
  public void connected() {
    hold.localSuccess();
  }

  /**
   * The connection to the attempt's backend could not be opened; {@code why} is a short reason
   * ("connect refused"). True: try {@link #next()}; false: answer {@link #failStatus()}.
   */
  public boolean connectFailed(String why) {
    Backend backend = hold.backend();
    hold.localFailure();
    pool.reportConnectFailure(backend, why);
    failStatus = 503;
    reason = "connect to " + backend.name() + " failed: " + why;
    hold.end(true, true);
    return decide(AttemptOutcome.CONNECT_FAILED, AttemptFailure.CONNECT_FAILED);
  }

  /** The request starts going to the attempt's backend: it counts in the backend's load. */
  public void sending() {
    hold.sending();
    reached = hold.backend();
  }

  /**
   * The attempt broke before its response head: {@code kind} is a reset before or after the
   * request was sent, or the per-try timeout; {@code why} is the full reason for the client's
   * answer and the log. True: try {@link #next()}; false: answer {@link #failStatus()} (502, or
   * 504 after a timeout).
   */
  public boolean failed(AttemptFailure kind, String why) {
    AttemptOutcome outcome = switch (kind) {
      case RESET_BEFORE_SENT -> AttemptOutcome.RESET_BEFORE_SENT;
      case RESET_AFTER_SENT -> AttemptOutcome.RESET_AFTER_SENT;
      case PER_TRY_TIMEOUT -> AttemptOutcome.TIMEOUT;
      default -> throw new IllegalArgumentException(
          "kind: " + kind + " (expected: a reset or the per-try timeout)");
    };
    hold.localFailure();
    failStatus = kind == AttemptFailure.PER_TRY_TIMEOUT ? 504 : 502;
    reason = Objects.requireNonNull(why, "why");
    hold.end(true, true);
    return decide(outcome, kind);
  }

  /**
   * The attempt's response head arrived with {@code code} (not 1xx). True: the answer is
   * dropped and the request retried (call {@link #next()}); this happens only for a retryable
   * status, when the retry policy grants it and another backend is there. False: relay the
   * answer, then report {@link #completed()} or {@link #broken}.
   */
  public boolean answered(int code) {
    hold.head(code);
    if (policy.retryableStatus(code)) {
      decision = retry.onStatus(code);
      if (decision.retry()) {
        Backend next = pick();
        if (next != null) {
          String failed = hold.backend().name() + " answered " + code;
          hold.end(Failures.forGate(code), Failures.forLoad(code));
          record(AttemptOutcome.ANSWERED, decision);
          pending = next;
          failStatus = 502;
          reason = failed;
          return true;
        }
        retry.noBackendForRetry();
        decision = retry.lastDecision();
      }
    }
    retry.responseStarted();
    return false;
  }

  /**
   * The response head arrived with {@code code}, but what judges the attempt comes at the end
   * of the response: a gRPC call's status, in its trailers ({@link GrpcStatus}). The answer is
   * relayed (never retried: the client gets its bytes); report {@link #completed(int)} with the
   * final status, or {@link #completed()} when none came (the head's status judges), or
   * {@link #broken}.
   */
  public void answeredUntilEnd(int code) {
    hold.head(code, false);
    judgedAtEnd = true;
    retry.responseStarted();
  }

  /**
   * The relayed answer ended whole with {@code finalCode} judging it (after
   * {@link #answeredUntilEnd}: the HTTP equivalent of its gRPC status); otherwise as
   * {@link #completed()}.
   */
  public void completed(int finalCode) {
    if (judgedAtEnd) {
      judgedAtEnd = false;
      hold.finalStatus(finalCode);
    }
    completed();
  }

  /** The relayed answer ended whole: the attempt is a success or failure by its status. */
  public void completed() {
    if (judgedAtEnd) {
      judgedAtEnd = false;
      hold.finalStatus(hold.status());
    }
    int status = hold.status();
    hold.end(Failures.forGate(status), Failures.forLoad(status));
    record(AttemptOutcome.ANSWERED, decision);
    hold.clear();
  }

  /**
   * The relayed answer broke after its head (a reset, a malformed or stalled body), or the
   * backend broke a stream it had accepted (a reset): a failure of the backend; the client gets
   * a truncated response (a stream: a reset), never a retry.
   */
  public void broken(String why) {
    judgedAtEnd = false;
    hold.localFailure();
    reason = Objects.requireNonNull(why, "why");
    hold.end(true, true);
    record(AttemptOutcome.BROKEN_AFTER_HEAD, decision);
    hold.clear();
  }

  /**
   * The request ends on the client's side (it left, or broke its body) while an attempt may be
   * open: only the backend's own answer, if it gave one, counts for or against it; a permit with
   * no outcome goes back. Does nothing when no attempt is open.
   */
  public void abandoned() {
    judgedAtEnd = false;
    if (hold.holding()) {
      hold.abandon();
      record(AttemptOutcome.ABANDONED, null);
    }
    hold.clear();
  }

  // ---- what the request's log reads

  /** The status to answer with when {@link #next()} gave null or a failure was not retried. */
  public int failStatus() {
    return failStatus;
  }

  /** Why the request failed (or why the last attempt failed), null when nothing failed. */
  public String reason() {
    return reason;
  }

  /** The backend of the attempt in progress (or of the last one), null before any. */
  public Backend backend() {
    return hold.backend();
  }

  /** The backend of the last attempt that got a connection; null when none did. */
  public Backend reached() {
    return reached;
  }

  /** Attempts made, refusals by a gate included. */
  public int count() {
    return retry == null ? 0 : retry.attempts();
  }

  /** The backends tried, in order; allocates. */
  public List<Backend> backendsTried() {
    return retry.backendsTried();
  }

  /** The last retry decision of the request, null when no attempt failed. */
  public RetryDecision lastDecision() {
    return retry == null ? null : retry.lastDecision();
  }

  // ---- inside

  /** The next backend, or null (the reason kept by {@link AttemptPicks}). */
  private Backend pick() {
    return picks.next(retry);
  }

  /** Nobody to send the request to (again): the answer is the failure that got us here. */
  private void noBackendLeft() {
    if (retry.attempts() == 0) {
      failStatus = 503;
      reason = picks.noBackend().text();
      return;
    }
    retry.noBackendForRetry();
    reason = reason + "; not retried: no backend left to retry on";
  }

  /** Records the ended attempt and decides on a retry; true to retry. */
  private boolean decide(AttemptOutcome outcome, AttemptFailure failure) {
    RetryDecision d = retry.onFailure(failure);
    record(outcome, d);
    hold.clear();
    if (d.retry()) {
      return true;
    }
    if (policy.settings().maxAttempts() > 1) {
      reason = reason + "; not retried: " + d.text();
    }
    return false;
  }

  private void record(AttemptOutcome outcome, RetryDecision d) {
    if (listener == AttemptListener.NONE) {
      return;
    }
    boolean refused = outcome == AttemptOutcome.REFUSED_LOCALLY;
    listener.onAttemptEnd(new AttemptRecord(hold.backend().name(), outcome, hold.status(),
        refused ? null : hold.lastLoad(), refused ? null : hold.lastGate(), hold.outlierText(),
        d));
  }

  @Override
  public String toString() {
    return "attempts " + retry + (hold.backend() == null ? "" : " on " + hold.backend().name());
  }
}
