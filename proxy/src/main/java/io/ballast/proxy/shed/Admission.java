package io.ballast.proxy.shed;

import io.ballast.core.Ticker;
import io.ballast.core.shed.ConcurrencyLimiter;
import io.ballast.core.shed.Priority;
import io.ballast.proxy.routing.RoutedRequest;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * Where a routed request meets its pool's load shedding, before its first attempt: it is
 * admitted under the pool's concurrency limit by its class, or refused (the caller answers 503
 * with {@code Retry-After}, or a gRPC call UNAVAILABLE, through its local-answer path). An
 * admitted request holds its place until it ends, and gives it back with its latency, which is
 * what the pool's limit learns from: the time from admission to the response head (retries
 * included), or to the end when no head came. The head, not the last byte, so that a large body
 * read by a slow client, or a streaming gRPC call that lasts minutes, does not read as a slow
 * pool.
 *
 * <p>One per exchange (a client connection, or an HTTP/2 stream), reused for each request on it.
 * Event-loop only; allocates nothing unless it refuses (the reason text).
 */
public final class Admission {
  private ConcurrencyLimiter admitted;
  private long startNanos;
  private long headNanos;
  private Priority priority;
  private ConcurrencyLimiter refusedBy;

  /**
   * Asks the pool of {@code request} for a place. True: go on (also when the pool sheds
   * nothing); false: answer 503 with {@link #refusal()}. The previous request must have ended.
   */
  public boolean admit(RoutedRequest request, HttpHeaders headers) {
    admitted = null;
    priority = null;
    Shedding shedding = request.target() == null ? null : request.target().ref().shedding();
    if (shedding == null) {
      return true;
    }
    priority = shedding.classify(request.routeName(), headers);
    if (!shedding.limiter().tryAcquire(priority)) {
      refusedBy = shedding.limiter();
      return false;
    }
    admitted = shedding.limiter();
    startNanos = Ticker.SYSTEM.nanos();
    headNanos = -1;
    return true;
  }

  /** Why the last request was refused, for the access log. */
  public String refusal() {
    ConcurrencyLimiter l = refusedBy;
    return "shed: pool " + l.pool() + " at its concurrency limit (" + priority.label()
        + " below " + l.threshold(priority) + " in flight, limit " + l.limit() + ")";
  }

  /** The class of the last request, or null when its pool sheds nothing. */
  public Priority priority() {
    return priority;
  }

  /** The response head is going to the client: the latency the pool's limit learns from. */
  public void responded() {
    if (admitted != null && headNanos < 0) {
      headNanos = Ticker.SYSTEM.nanos() - startNanos;
    }
  }

  /** The request ended, whatever its outcome: an admitted one gives its place back. */
  public void end() {
    ConcurrencyLimiter l = admitted;
    if (l != null) {
      admitted = null;
      l.release(headNanos >= 0 ? headNanos : Ticker.SYSTEM.nanos() - startNanos);
    }
  }
}
