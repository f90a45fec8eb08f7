package io.ballast.core.retry;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import java.util.Arrays;
import java.util.List;

/**
 * One request's retry state and the {@link PickContext} of its picks: the attempt number, the
 * backends already tried (excluded from later picks), whether the body can still be replayed and
 * whether the response has started.
 *
 * <p>Not thread-safe: used only by the event loop that serves the request.
 *
 * <h2>How the proxy uses it</h2>
 * <pre>{@code
 * RetryState r = policy.start(method, hashKey);
 * for (;;) {
 *   PickResult p = pool.picker().pick(r);
 *   if (p is NoBackend and ALL_EXCLUDED and r.attempts() > 0) { r.allowTriedBackends(); pick again; }
 *   if (still NoBackend) { if (r.attempts() > 0) r.noBackendForRetry(); answer 502/503; break; }
 *   r.attempted(backend);                  // then send, arming r.attemptTimeoutNanos()
 *   ... a failure: d = r.onFailure(kind) or r.onStatus(status)
 *   if (!d.retry()) { answer with what we have; break; }
 * }
 * }</pre>
 */
public final class RetryState implements PickContext {
  private final RetryPolicy policy;
  private final Backend[] tried;
  // Per request; set again by reset() when the proxy reuses the instance for the next request.
  private boolean methodRetryable;
  /** A gRPC call: a status in retryableStatuses is retried whatever the method. */
  private boolean statusesRetryable;
  private long hashKey;
  private long startNanos;
  private long clockNanos;
  private int attempts;
  private boolean bodyReplayable;
  private boolean responseStarted;
  private boolean excludeTried;
  private RetryDecision lastDecision;
  private int locality;
  private boolean probeAside;

  RetryState(RetryPolicy policy, boolean methodRetryable, long hashKey, long startNanos) {
    this.policy = policy;
    this.tried = new Backend[policy.settings().maxAttempts()];
    reset(methodRetryable, hashKey, startNanos);
  }

  /** Starts over for a new request (a reused instance: see {@link RetryPolicy#start(String, long, RetryState)}). */
  void reset(boolean methodRetryable, long hashKey, long startNanos) {
    this.methodRetryable = methodRetryable;
    this.statusesRetryable = false;
    this.hashKey = hashKey;
    this.startNanos = startNanos;
    this.clockNanos = startNanos;
    java.util.Arrays.fill(tried, 0, attempts, null);
    this.attempts = 0;
    this.bodyReplayable = true;
    this.responseStarted = false;
    this.excludeTried = true;
    this.lastDecision = null;
    this.locality = -1;
    this.probeAside = false;
  }

  RetryPolicy policy() {
    return policy;
  }

  /**
   * The whole request arrived from the client: the overall timeout counts from now. A client that
   * takes long to upload its body does not use up the time its attempts get (until then the
   * overall timeout counts from the request's arrival).
   */
  public void requestReceived() {
    clockNanos = policy.ticker().nanos();
  }

  @Override
  public long hashKey() {
    return hashKey;
  }

  /**
   * The client's zone for this request, as an index of the pool's zone map (-1, the default,
   * when unknown); set by the proxy after {@link RetryPolicy#start} and read by zone-aware picks.
   */
  public void locality(int zoneIndex) {
    this.locality = zoneIndex;
  }

  @Override
  public int locality() {
    return locality;
  }

  /**
   * The driver sends copies of this request to probe backends beside it (a safe, bodiless
   * request): see {@link PickContext#probeAside()}.
   */
  public void probeAside(boolean allowed) {
    this.probeAside = allowed;
  }

  /** True for the first pick of a request whose driver sends copies as probes. */
  @Override
  public boolean probeAside() {
    return probeAside && attempts == 0;
  }

  /** Attempts made so far: 0 for the first pick, 1 for the first retry's pick, and so on. */
  @Override
  public int attempt() {
    return attempts;
  }

  /** True when this backend was already tried, until {@link #allowTriedBackends()}. */
  @Override
  public boolean isExcluded(Backend backend) {
    if (!excludeTried) {
      return false;
    }
    for (int i = 0; i < attempts; i++) {
      if (tried[i] == backend) {
        return true;
      }
    }
    return false;
  }

  /**
   * Lets the next picks return a backend already tried. For a retry that found every available
   * backend excluded (a pool of one, or fewer backends than attempts): trying one of them again
   * is better than failing a request that is free to retry.
   */
  public void allowTriedBackends() {
    excludeTried = false;
  }

  /**
   * The request is being sent to this backend (an attempt starts).
   *
   * @throws IllegalStateException when maxAttempts attempts were already made (the proxy retried
   *     without a retry decision)
   */
  public void attempted(Backend backend) {
    if (attempts >= tried.length) {
      throw new IllegalStateException(
          "attempt " + (attempts + 1) + " of a request allowed " + tried.length);
    }
    tried[attempts++] = backend;
    policy.recordAttempt();
  }

  /** The attempt failed without a status: retry or not. */
  public RetryDecision onFailure(AttemptFailure failure) {
    lastDecision = policy.decide(this, java.util.Objects.requireNonNull(failure, "failure"), 0);
    return lastDecision;
  }

  /**
   * The attempt was answered with this status and the proxy considers retrying (any status may
   * be passed; those not in retryableStatuses give {@link RetryDecision#NO_RETRY_STATUS}). Call it
   * before forwarding the response.
   */
  public RetryDecision onStatus(int status) {
    lastDecision = policy.decide(this, null, status);
    return lastDecision;
  }

  /**
   * A retry was granted but no backend can take it: records
   * {@link RetryDecision#NO_RETRY_NO_BACKEND} and gives its budget back when it had taken some.
   */
  public void noBackendForRetry() {
    if (lastDecision == null || !lastDecision.retry()) {
      throw new IllegalStateException("no retry was granted: " + lastDecision);
    }
    if (lastDecision != RetryDecision.RETRY_NOT_SENT) {
      policy.budget().refundRetry();
    }
    lastDecision = RetryDecision.NO_RETRY_NO_BACKEND;
    policy.recordNoBackend();
  }

  /**
   * Bytes of the body were written upstream and not kept (the body is larger than
   * maxBufferedBody): no later attempt can replay it.
   */
  public void bodyNotReplayable() {
    bodyReplayable = false;
  }

  /**
   * The request opens something that a second copy would open twice (a WebSocket handshake opens
   * a session): once it reached a backend it is not retried, whatever its method, as a POST is
   * not; an attempt that never reached one still is ({@link RetryDecision#RETRY_NOT_SENT}).
   */
  public void notIdempotent() {
    methodRetryable = false;
  }

  /**
   * The request is a gRPC call, retried as gRPC retries calls: one that reached a backend is
   * retried only on a status in retryableStatuses (its gRPC status's HTTP equivalent:
   * UNAVAILABLE is 503), which the backend gave before any of its answer was relayed (a
   * trailers-only answer); never after a reset or a timeout, which may have left the call done.
   * A call that never reached a backend is retried as any request is.
   */
  public void grpcCall() {
    methodRetryable = false;
    statusesRetryable = true;
  }

  /** True when a retryable status is retried whatever the method ({@link #grpcCall}). */
  boolean statusesRetryable() {
    return statusesRetryable;
  }

  /** A byte of the response was written to the client: nothing can be retried any more. */
  public void responseStarted() {
    responseStarted = true;
  }

  /**
   * How long the attempt about to start may take, in nanoseconds: the per-try timeout, cut to
   * what is left of the overall timeout; {@link RetryPolicy#NO_TIMEOUT} when neither is set. When
   * it fires, report {@link AttemptFailure#PER_TRY_TIMEOUT}: past the overall deadline the
   * decision is {@link RetryDecision#NO_RETRY_DEADLINE}.
   */
  public long attemptTimeoutNanos() {
    long perTry = policy.perTryNanos() == 0 ? RetryPolicy.NO_TIMEOUT : policy.perTryNanos();
    if (policy.overallNanos() == 0) {
      return perTry;
    }
    return Math.max(1, Math.min(perTry, remainingNanos()));
  }

  /** Time left before the overall timeout; {@link RetryPolicy#NO_TIMEOUT} when there is none. */
  public long remainingNanos() {
    if (policy.overallNanos() == 0) {
      return RetryPolicy.NO_TIMEOUT;
    }
    return clockNanos + policy.overallNanos() - policy.ticker().nanos();
  }

  /**
   * True when the retry just granted may go back to a backend already tried (on a new
   * connection), should every available one have been tried: after a connection-level failure
   * (refused, reset), often a pooled connection the backend had just closed, as in a pool of one.
   * Not after a status or a timeout: the backend answered or was slow, and asking it again at
   * once mostly adds load where it hurts.
   */
  public boolean mayRetryOnTriedBackend() {
    return lastDecision == RetryDecision.RETRY_NOT_SENT || lastDecision == RetryDecision.RETRY_RESET;
  }

  /** Attempts made (started) so far. */
  public int attempts() {
    return attempts;
  }

  /** The backends tried, in order, for the access log; allocates. */
  public List<Backend> backendsTried() {
    return List.of(Arrays.copyOf(tried, attempts));
  }

  /** The last decision taken for this request, null before any failure. */
  public RetryDecision lastDecision() {
    return lastDecision;
  }

  /** The ticker time at which the request started. */
  public long startNanos() {
    return startNanos;
  }

  /** True when the method may be replayed after it reached a backend. */
  public boolean methodRetryable() {
    return methodRetryable;
  }

  boolean bodyReplayableFlag() {
    return bodyReplayable;
  }

  boolean responseStartedFlag() {
    return responseStarted;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("RetryState[attempts=").append(attempts).append(", tried=");
    for (int i = 0; i < attempts; i++) {
      b.append(i == 0 ? "" : ",").append(tried[i].name());
    }
    return b.append(", last=").append(lastDecision).append(']').toString();
  }
}
