package io.ballast.proxy.shed;

import io.ballast.core.Ticker;
import io.ballast.core.shed.ConcurrencyLimiter;
import io.ballast.core.shed.Priority;
import io.ballast.core.shed.WaitingLine;
import io.ballast.proxy.routing.RoutedRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Where a routed request meets its pool's load shedding, before its first attempt: it is
 * admitted under the pool's concurrency limit by its class, waits for a place in the pool's
 * {@link WaitingLine} when the pool has one, or is refused (the caller answers 503 with
 * {@code Retry-After}, or a gRPC call UNAVAILABLE, through its local-answer path). An admitted
 * request holds its place until it ends, and gives it back with its latency, which is what the
 * pool's limit learns from: the time from admission to the response head (retries included), or
 * to the end when no head came. The head, not the last byte, so that a large body read by a slow
 * client, or a streaming gRPC call that lasts minutes, does not read as a slow pool. A wait in
 * line is not part of it: the limit learns the backends' latency, not its own queue's.
 *
 * <p>A waiting request is resumed on its event loop: {@code onAdmitted} when a place came in
 * time, {@code onRefused} when its deadline passed first (then {@link #refusal()} says why). A
 * request that ends while it waits (its client went away) leaves the line; a place granted to it
 * in that instant goes back to the line.
 *
 * <p>One per exchange (a client connection, or an HTTP/2 stream), reused for each request on it.
 * Event-loop only; allocates nothing unless it refuses (the reason text) or a request waits.
 */
public final class Admission {
  /** What {@link #admit} decided. */
  public enum Verdict {
    /** Go on: the request holds a place, or its pool sheds nothing. */
    ADMITTED,
    /** Answer 503 now, with {@link #refusal()}. */
    REFUSED,
    /** Wait: {@code onAdmitted} or {@code onRefused} follows on the event loop. */
    WAITING
  }

  private final EventExecutor loop;
  private final Runnable onAdmitted;
  private final Runnable onRefused;
  private ConcurrencyLimiter admitted;
  private WaitingLine admittedLine;
  private long startNanos;
  private long headNanos;
  private Priority priority;
  private Shedding refusedBy;
  private boolean lineFull;
  private Waiter waiting;

  /**
   * @param loop the exchange's event loop, where a waiting request is resumed
   * @param onAdmitted a waiting request got its place: go on with it
   * @param onRefused a waiting request's deadline passed: answer 503 with {@link #refusal()}
   */
  public Admission(EventExecutor loop, Runnable onAdmitted, Runnable onRefused) {
    this.loop = loop;
    this.onAdmitted = onAdmitted;
    this.onRefused = onRefused;
  }

  /**
   * Asks the pool of {@code request} for a place. The previous request must have ended.
   */
  public Verdict admit(RoutedRequest request, HttpHeaders headers) {
    admitted = null;
    admittedLine = null;
    priority = null;
    Shedding shedding = request.target() == null ? null : request.target().ref().shedding();
    if (shedding == null) {
      return Verdict.ADMITTED;
    }
    priority = shedding.classify(request.routeName(), headers);
    WaitingLine line = shedding.line();
    if (line == null) {
      if (!shedding.limiter().tryAcquire(priority)) {
        refusedBy = shedding;
        lineFull = false;
        return Verdict.REFUSED;
      }
    } else if (!line.tryAdmit(priority)) {
      Waiter w = new Waiter(priority, shedding);
      if (line.enqueue(w) == WaitingLine.Outcome.REFUSED) {
        refusedBy = shedding;
        lineFull = true;
        return Verdict.REFUSED;
      }
      waiting = w;
      w.deadline = loop.schedule(w::expire, shedding.maxWait().toNanos(), TimeUnit.NANOSECONDS);
      return Verdict.WAITING;
    }
    hold(shedding);
    return Verdict.ADMITTED;
  }

  private void hold(Shedding shedding) {
    admitted = shedding.limiter();
    admittedLine = shedding.line();
    startNanos = Ticker.SYSTEM.nanos();
    headNanos = -1;
  }

  /** Why the last request was refused, for the access log. */
  public String refusal() {
    Shedding s = refusedBy;
    ConcurrencyLimiter l = s.limiter();
    String where = "shed: pool " + l.pool() + " at its concurrency limit (" + priority.label()
        + " below " + l.threshold(priority) + " in flight, limit " + l.limit();
    if (s.line() == null) {
      return where + ")";
    }
    return lineFull
        ? where + "; its waiting line full, " + s.line().capacity() + " waiting)"
        : where + "; no place within " + s.maxWait().toMillis() + " ms in its waiting line)";
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

  /**
   * The request ended, whatever its outcome: an admitted one gives its place back; a waiting one
   * leaves the line.
   */
  public void end() {
    Waiter w = waiting;
    if (w != null) {
      waiting = null;
      w.deadline.cancel(false);
      // False: granted in this instant; the grant's task finds the request gone and gives the
      // place back.
      w.shedding.line().cancel(w, false);
    }
    ConcurrencyLimiter l = admitted;
    if (l != null) {
      admitted = null;
      long nanos = headNanos >= 0 ? headNanos : Ticker.SYSTEM.nanos() - startNanos;
      if (admittedLine != null) {
        admittedLine.release(nanos);
      } else {
        l.release(nanos);
      }
    }
  }

  private void granted(Waiter w) {
    if (w != waiting) {
      w.shedding.line().giveBack();
      return;
    }
    waiting = null;
    w.deadline.cancel(false);
    hold(w.shedding);
    onAdmitted.run();
  }

  /** One request in its pool's waiting line. */
  private final class Waiter extends WaitingLine.Waiter {
    final Shedding shedding;
    ScheduledFuture<?> deadline;

    Waiter(Priority priority, Shedding shedding) {
      super(priority);
      this.shedding = shedding;
    }

    @Override
    protected void granted() {
      // On the thread whose request freed the place, perhaps another event loop's.
      loop.execute(() -> Admission.this.granted(this));
    }

    void expire() {
      if (waiting == this && shedding.line().cancel(this, true)) {
        waiting = null;
        refusedBy = shedding;
        lineFull = false;
        onRefused.run();
      }
    }
  }
}
