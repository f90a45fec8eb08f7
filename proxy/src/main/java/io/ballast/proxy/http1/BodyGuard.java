package io.ballast.proxy.http1;

import io.ballast.proxy.ProxySettings.ClientLimits;
import io.ballast.proxy.routing.RouteSpec;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Holds a request body to its limits while it arrives: its size (the route's
 * {@link RouteSpec#maxRequestBody}: a Content-Length above it is refused before any backend is
 * picked, a body that grows past it while it streams is cut as the byte over the limit arrives,
 * before that part is forwarded), and its pace ({@link ClientLimits}: no byte for
 * {@code requestBodyTimeout}, or fewer than {@code minRequestBodyRate} bytes a second over a
 * whole {@code requestBodyTimeout}, and the request ends with 408). Each refusal is answered
 * through {@link RequestIn#refuse}.
 *
 * <p>The pace is only judged while ballast waits on the client: the clocks start again whenever
 * reading stops or resumes for the backend's sake (a backend connection to make, a backend that
 * takes the body slowly, a 100 Continue to send), so a client is never blamed for ballast's
 * backpressure.
 *
 * <p>At most one timer per connection, scheduled lazily as {@link ServerCodec}'s head deadline
 * is: only when a read ends inside a body, never cancelled, and when it fires it looks at the
 * body pending then (a body that arrives in the read of its head, the common case, costs no timer
 * and no clock read). On an HTTP/2 stream there is none: the connection's periodic check looks at
 * each stream ({@link #look}).
 *
 * <p>Event-loop only; one per exchange, set again for each request.
 */
public final class BodyGuard {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  static final RequestChecks.Rejection TIMEOUT =
      new RequestChecks.Rejection(408, "request body not received within the request body timeout");
  static final String TOO_LARGE = "request body too large";
  static final String TOO_SLOW = "request body below the minimum rate";

  private final RequestIn in;
  private final Exchange exchange;
  private final ClientSide side;
  /** The connection's periodic check looks at this body, not a timer of its own. */
  private final boolean ticked;
  private final Runnable fire = this::fire;
  private ScheduledFuture<?> timer;

  // Per request.
  private long max;
  private long bytes;
  private boolean paced;
  /** Read when the clocks start, not per request: most bodies never need them. */
  private ClientLimits limits;
  private long timeoutNanos;
  private long minRate;
  /** A body byte came since the last read's end. */
  private boolean moved;
  /** The clocks run (a read ended inside the body while ballast read it); 0 before. */
  private long watchedSince;
  /** The end of the last read that brought body bytes, or the clocks' start. */
  private long lastByte;
  /** The window of the minimum rate: when it began and the bytes received by then. */
  private long windowStart;
  private long windowBytes;

  BodyGuard(RequestIn in, Exchange exchange, ClientSide side, boolean ticked) {
    this.in = in;
    this.exchange = exchange;
    this.side = side;
    this.ticked = ticked;
  }

  /**
   * A request whose body may have {@code max} bytes; {@code paced} unless its pace is its
   * application's (a gRPC call). Returns the refusal when its {@code contentLength} is more.
   */
  RequestChecks.Rejection start(long max, long contentLength, ClientLimits limits,
      boolean paced) {
    this.max = max;
    this.paced = paced;
    bytes = 0;
    moved = false;
    watchedSince = 0;
    this.limits = limits;
    return contentLength > max ? tooLarge() : null;
  }

  /** {@code n} more body bytes arrived; the refusal when they take the body past its limit. */
  RequestChecks.Rejection add(int n) {
    bytes += n;
    moved |= n > 0;
    return bytes > max ? tooLarge() : null;
  }

  private RequestChecks.Rejection tooLarge() {
    return new RequestChecks.Rejection(413,
        "request body larger than the route's limit of " + max + " bytes", TOO_LARGE);
  }

  /**
   * A read of the client ended (or pipelined requests were handed on): when a body is pending,
   * the clocks start, or note the bytes the read brought, and a look is due. At a read's end
   * whether the body is whole is known: a request whose body came with its head (or that has
   * none) costs nothing here.
   */
  void readEnded() {
    if (exchange.done() || exchange.requestComplete()) {
      return;
    }
    long now = System.nanoTime();
    if (watchedSince == 0) {
      timeoutNanos = limits.requestBodyTimeout().toNanos();
      minRate = limits.minRequestBodyRate();
      restart(now);
    } else if (moved) {
      lastByte = now;
    }
    moved = false;
    if (!ticked && timer == null) {
      schedule(now);
    }
  }

  /**
   * Reading stopped or resumed for the backend's sake (a backend connection took the request, or
   * its writability changed): the clocks of a watched body start again.
   */
  void restart() {
    if (watchedSince != 0) {
      restart(System.nanoTime());
    }
  }

  private void restart(long now) {
    watchedSince = now;
    lastByte = now;
    windowStart = now;
    windowBytes = bytes;
  }

  /** The body's verdict at {@code now}: null while it keeps its pace. */
  private RequestChecks.Rejection judge(long now) {
    if (now - lastByte >= timeoutNanos) {
      return TIMEOUT;
    }
    if (paced && minRate > 0 && now - windowStart >= timeoutNanos) {
      long rate = (long) ((bytes - windowBytes) * (double) SECOND / (now - windowStart));
      if (rate < minRate) {
        return new RequestChecks.Rejection(408, "request body at " + rate
            + " bytes/s, below the minimum rate of " + minRate + " bytes/s", TOO_SLOW);
      }
      windowStart = now;
      windowBytes = bytes;
    }
    return null;
  }

  /** When the next verdict is due. */
  private long due() {
    long gap = lastByte + timeoutNanos;
    return paced && minRate > 0 ? Math.min(gap, windowStart + timeoutNanos) : gap;
  }

  private void schedule(long now) {
    if (side.isActive()) {
      timer = side.eventLoop().schedule(fire, Math.max(0, due() - now), TimeUnit.NANOSECONDS);
    }
  }

  private void fire() {
    timer = null;
    long now = System.nanoTime();
    if (check(now)) {
      schedule(now);
    }
  }

  /**
   * Looks at the body pending at {@code now}; refuses it through the exchange when it is too
   * slow. True while a body is still watched (the next look is due).
   */
  private boolean check(long now) {
    if (watchedSince == 0 || exchange.done() || exchange.requestComplete()) {
      watchedSince = 0;
      return false;
    }
    if (!exchange.waitingOnClient()) {
      // Waiting on the backend: not the client's time.
      restart(now);
      return true;
    }
    RequestChecks.Rejection r = judge(now);
    if (r != null) {
      watchedSince = 0;
      in.refuse(r);
      return false;
    }
    return true;
  }

  /** The HTTP/2 connection's periodic look at the body pending at {@code now}. */
  void look(long now) {
    check(now);
  }
}
