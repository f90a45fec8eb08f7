package io.ballast.sim;

import io.ballast.core.Backend;
import io.ballast.core.Scheduler;
import io.ballast.core.attempt.AttemptListener;
import io.ballast.core.attempt.Attempts;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.retry.AttemptFailure;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.shed.ConcurrencyLimiter;
import io.ballast.core.shed.Priority;
import io.ballast.core.shed.WaitingLine;
import io.ballast.core.signal.LoadReport;
import io.ballast.core.signal.SignalSource;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The request path of a simulated pool: each client request through the attempt protocol
 * ({@link Attempts}), the same code the proxy runs for a real request. Each attempt is picked,
 * passes the backend's gate, and its outcome reaches the backend's load, circuit breaker and
 * outlier tracker as the protocol's table says; the protocol decides every retry (a GET, so
 * replayable). The driver only plays the network and the client: a dead backend refuses the
 * connection; a live one's {@link SimBackend} serves, queues or rejects the attempt (503 with a
 * full queue) or fails it as its {@link ErrorKind} says, and each answer carries the backend's
 * utilization as a {@link SignalSource#HEADER} load report ({@code cpu}: busy workers / workers,
 * {@code queue}: requests waiting). Per-try timeouts and client timeouts are timers on the
 * virtual clock; every ended request goes to the {@link Recorder}.
 *
 * <p>Single-threaded: everything runs on the simulation thread, from events of its pool's
 * {@link VirtualScheduler}.
 */
final class RequestDriver implements Traffic {
  private static final int TIMEOUT_STATUS = 0;
  /** What the client of a truncated response is counted as: a failure, like a 502. */
  private static final int BROKEN_STATUS = 502;

  private final VirtualScheduler scheduler;
  private final LoadBalancer lb;
  private final RetryPolicy retryPolicy;
  private final AttemptListener attemptListener;
  private final List<SimBackend> models;
  private final Map<Backend, Integer> index = new IdentityHashMap<>();
  private final Recorder recorder;
  private final long durationNanos;
  private final long clientTimeoutNanos;
  private final ArrayDeque<SimRequest> free = new ArrayDeque<>();
  /** Client timeouts all have the same delay, so they fall due in arrival order: a FIFO. */
  private final FifoTimers timeouts;
  private final List<SimRequest> live = new ArrayList<>();
  private long arrived;
  /** The pool's load shedding, or null; with it, each request's class is drawn from the mix. */
  private ConcurrencyLimiter admission;
  /** Where a request that meets the limit waits, or null: refused at once. */
  private WaitingLine line;
  private Duration maxWait;
  private ClientSpec clients;
  private SplittableRandom priorities;
  /** Probes aside: every modelled request is a bodiless GET, which the proxy may copy. */
  private final ProbeCopies copies;

  /**
   * Sends requests through {@code lb} to {@code models} (in the balancer's backend order), with
   * {@code retryPolicy}; tells {@code attemptListener} of every ended attempt. Requests that end
   * by {@code durationNanos} count as in the run; a client gives up after
   * {@code clientTimeoutNanos} (0: never).
   */
  RequestDriver(VirtualScheduler scheduler, LoadBalancer lb, RetryPolicy retryPolicy,
      AttemptListener attemptListener, List<SimBackend> models, Recorder recorder,
      long durationNanos, long clientTimeoutNanos) {
    this.scheduler = scheduler;
    this.lb = lb;
    this.retryPolicy = retryPolicy;
    this.attemptListener = attemptListener;
    this.models = models;
    for (int i = 0; i < models.size(); i++) {
      index.put(models.get(i).backend(), i);
    }
    this.recorder = recorder;
    this.durationNanos = durationNanos;
    this.clientTimeoutNanos = clientTimeoutNanos;
    this.timeouts = new FifoTimers(scheduler);
    this.copies = new ProbeCopies(scheduler, lb,
        clientTimeoutNanos > 0 ? clientTimeoutNanos : Duration.ofSeconds(30).toNanos());
  }

  /**
   * Every request passes {@code limiter} first (null: none), by its class drawn from the clients'
   * mix with {@code random}, as the proxy admits a routed request before its first attempt.
   */
  void useAdmission(ConcurrencyLimiter limiter, WaitingLine line, Duration maxWait,
      ClientSpec clients, SplittableRandom random) {
    this.admission = limiter;
    this.line = line;
    this.maxWait = maxWait;
    this.clients = clients;
    this.priorities = random;
  }

  /** Requests that arrived so far. */
  long arrived() {
    return arrived;
  }

  @Override
  public boolean inFlight() {
    return !live.isEmpty();
  }

  @Override
  public void recordUnfinished() {
    for (SimRequest r : live) {
      recorder.unfinished(r.start, scheduler.nanos() - r.start);
    }
  }

  @Override
  public void changed(SimBackend model, List<SimAttempt> reset) {
    for (SimAttempt a : reset) {
      reset((Attempt) a);
    }
  }

  /** Reported to the balancer, as the proxy's health-probe I/O reports a check. */
  @Override
  public void checked(int backend, boolean alive) {
    lb.reportCheck(models.get(backend).backend(), alive,
        alive ? "status 200" : "connection refused");
  }

  @Override
  public double weight(int backend) {
    return lb.effectiveWeight(models.get(backend).backend());
  }

  @Override
  public int weightPercent(int backend) {
    return lb.weightPercent(models.get(backend).backend());
  }

  @Override
  public void arrive() {
    arrived++;
    Priority priority = Priority.DEFAULT;
    long now = scheduler.nanos();
    if (admission != null) {
      priority = clients.priority(priorities.nextDouble());
      if (line != null) {
        SimWaiter w = new SimWaiter(priority, now);
        switch (line.admitOrWait(w)) {
          case REFUSED -> {
            recorder.shed(priority, now, now <= durationNanos);
            return;
          }
          case WAITING -> {
            w.deadline = scheduler.schedule(maxWait, () -> w.expire());
            return;
          }
          case ADMITTED -> { }
        }
      } else if (!admission.tryAcquire(priority)) {
        recorder.shed(priority, now, now <= durationNanos);
        return;
      }
    }
    begin(priority, now);
  }

  /**
   * An arrived request goes to the balancer: at once, or when the pool's waiting line gave it a
   * place. Its client's timeout runs from here, a wait of at most the line's deadline later than
   * its arrival: the timers stay in the order they fall due, as the FIFO needs.
   */
  private void begin(Priority priority, long arrivedNanos) {
    SimRequest r = free.poll();
    if (r == null) {
      r = new SimRequest(new Attempts(scheduler, attemptListener));
    }
    r.start = arrivedNanos;
    r.admittedAt = scheduler.nanos();
    r.priority = priority;
    r.admitted = admission != null;
    r.attempts.start(lb, retryPolicy, null, "GET", 0L, -1);
    r.attempts.mayProbeAside();
    r.attempts.requestReceived();
    r.attempt = null;
    r.liveIndex = live.size();
    live.add(r);
    if (clientTimeoutNanos > 0) {
      r.timeout = new ClientTimeout(r);
      timeouts.add(r.timeout, scheduler.nanos() + clientTimeoutNanos);
    }
    send(r);
  }

  /** A request waiting in the pool's line for a place. */
  private final class SimWaiter extends WaitingLine.Waiter {
    private final long arrivedNanos;
    private Scheduler.Cancellable deadline;

    SimWaiter(Priority priority, long arrivedNanos) {
      super(priority);
      this.arrivedNanos = arrivedNanos;
    }

    @Override
    protected void granted() {
      // Called from a release, inside another request's ending: go on as an event of its own.
      scheduler.execute(() -> {
        if (deadline != null) {
          deadline.cancel();
        }
        begin(priority(), arrivedNanos);
      });
    }

    void expire() {
      if (line.cancel(this, true)) {
        long now = scheduler.nanos();
        recorder.shed(priority(), now, now <= durationNanos);
      }
    }
  }

  /** The request's next attempt, or its end when no backend can take it. */
  private void send(SimRequest r) {
    Backend b = r.attempts.next();
    if (b == null) {
      finish(r, r.attempts.failStatus());
      return;
    }
    Backend probe = r.attempts.takeProbe();
    if (probe != null) {
      copies.send(probe, models.get(index.get(probe)));
    }
    int i = index.get(b);
    recorder.picked(i, r.start);
    SimBackend model = models.get(i);
    if (!model.alive()) {
      if (r.attempts.connectFailed("connection refused")) {
        send(r);
      } else {
        finish(r, r.attempts.failStatus());
      }
      return;
    }
    r.attempts.connected();
    r.attempts.sending();
    Attempt a = new Attempt(r, b, model, scheduler.nanos());
    r.attempt = a;
    long perTry = r.attempts.attemptTimeoutNanos();
    if (perTry != RetryPolicy.NO_TIMEOUT) {
      a.timer = new PerTryTimeout(a);
      scheduler.after(perTry, a.timer);
    }
    model.accept(a);
  }

  /** The backend is done with the attempt (answered, failed, or rejected it with a full queue). */
  private void answered(Attempt a) {
    if (!a.overflow) {
      a.model.finished(a);
    }
    Backend b = a.backend;
    b.signals().report(LoadReport.figures(SignalSource.HEADER, scheduler.nanos(),
        Map.of("cpu", a.model.utilization(), "queue", (double) a.model.queued())));
    if (a.abandoned || a.error == ErrorKind.HANG) {
      // Nobody waits for it any more, or it never answers: a timeout will end the attempt.
      return;
    }
    if (a.error == ErrorKind.RESET) {
      reset(a);
      return;
    }
    SimRequest r = a.request;
    r.attempt = null;
    if (a.timer != null) {
      a.timer.cancel();
    }
    if (r.attempts.answered(a.status)) {
      send(r);
      return;
    }
    if (a.error == ErrorKind.TRUNCATED) {
      r.attempts.broken(b.name() + " closed the connection mid-response");
      finish(r, BROKEN_STATUS);
      return;
    }
    r.attempts.completed();
    finish(r, a.status);
  }

  /** The attempt's per-try timeout expired: give up on it, retry as the protocol decides. */
  private void perTryTimeout(Attempt a) {
    if (a.abandoned) {
      return;
    }
    a.abandoned = true;
    attemptFailed(a, AttemptFailure.PER_TRY_TIMEOUT, "no response from " + a.backend.name()
        + " within " + (scheduler.nanos() - a.startNanos) / 1_000_000 + " ms");
  }

  /** The connection broke under the attempt before an answer: the backend died, or reset it. */
  private void reset(Attempt a) {
    if (a.abandoned) {
      return;
    }
    a.abandoned = true;
    if (a.timer != null) {
      a.timer.cancel();
    }
    attemptFailed(a, AttemptFailure.RESET_AFTER_SENT,
        a.backend.name() + ": backend closed the connection");
  }

  private void attemptFailed(Attempt a, AttemptFailure failure, String why) {
    SimRequest r = a.request;
    r.attempt = null;
    if (r.attempts.failed(failure, why)) {
      send(r);
    } else {
      finish(r, r.attempts.failStatus());
    }
  }

  /** The client gave up: the attempt in progress is abandoned as the proxy abandons it. */
  private void clientTimeout(SimRequest r) {
    Attempt a = r.attempt;
    if (a != null) {
      a.abandoned = true;
      r.attempt = null;
      if (a.timer != null) {
        a.timer.cancel();
      }
    }
    r.attempts.abandoned();
    finish(r, TIMEOUT_STATUS);
  }

  private void finish(SimRequest r, int status) {
    if (r.timeout != null) {
      r.timeout.cancel();
      r.timeout = null;
    }
    long now = scheduler.nanos();
    boolean timeout = status == TIMEOUT_STATUS;
    boolean failed = timeout || status >= 500;
    recorder.completed(r.start, now - r.start, failed, timeout, r.attempts.count(),
        now <= durationNanos);
    recorder.classified(r.priority, r.start, !failed, now <= durationNanos);
    if (r.admitted) {
      r.admitted = false;
      long nanos = now - r.admittedAt;
      if (line != null) {
        line.release(nanos);
      } else {
        admission.release(nanos);
      }
    }
    // Swap-remove from the live list.
    SimRequest last = live.remove(live.size() - 1);
    if (last != r) {
      live.set(r.liveIndex, last);
      last.liveIndex = r.liveIndex;
    }
    free.add(r);
  }

  /** An attempt of a core-driven request: answered back to this driver. */
  final class Attempt extends SimAttempt {
    final SimRequest request;
    /** The per-try timeout, or null without one. */
    SimEvent timer;

    Attempt(SimRequest request, Backend backend, SimBackend model, long startNanos) {
      super(backend, model, startNanos);
      this.request = request;
    }

    @Override
    protected void fire() {
      answered(this);
    }
  }

  private final class PerTryTimeout extends SimEvent {
    private final Attempt attempt;

    PerTryTimeout(Attempt attempt) {
      this.attempt = attempt;
    }

    @Override
    protected void fire() {
      perTryTimeout(attempt);
    }
  }

  private final class ClientTimeout extends SimEvent {
    private final SimRequest request;

    ClientTimeout(SimRequest request) {
      this.request = request;
    }

    @Override
    protected void fire() {
      if (request.timeout == this) {
        clientTimeout(request);
      }
    }
  }
}
