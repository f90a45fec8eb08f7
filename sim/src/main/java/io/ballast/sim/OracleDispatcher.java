package io.ballast.sim;

import io.ballast.core.shed.Priority;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The oracle's dispatch: the reference every balancer of a scenario is measured against. It runs
 * no core picker; it is told the truth about every backend the moment it changes (live or dead,
 * workers, busy workers, true mean service time with the current slow-down, and whether the next
 * request it would start there fails) and uses it as follows.
 *
 * <ol>
 *   <li><b>One central FIFO queue, each request to a free worker.</b> A request waits in the
 *       oracle's own queue and is sent only to a backend with a free worker, so it never waits
 *       in a backend's queue behind a long request while another worker is idle. With equal
 *       backends this is the M/G/k queue (one line to k servers, first come first served), the
 *       standard lower bound for any balancer that must decide on arrival (Kingman; see
 *       Harchol-Balter, <i>Performance Modeling and Design of Computer Systems</i>, 2013, ch. 24:
 *       central-queue FCFS is what dispatching policies are held against).
 *   <li><b>The fastest free worker first.</b> Candidates are taken by true mean service time
 *       (ascending), then by utilization (busy / workers, so equal backends share evenly), then
 *       the one chosen longest ago (a rotation: at light load every worker is free, and equal
 *       backends still share evenly), then by scenario order.
 *   <li><b>A slower free worker only when waiting for a faster one would take longer</b>: the
 *       request at place {@code q} of those held (0 for the head) takes a free worker of mean
 *       {@code m} unless {@code m > (q + 1 + C) / R}, where the faster backends that are all busy
 *       have {@code C} workers completing {@code R = Σ c_j / m_j} requests per unit of time
 *       together: {@code (q + 1) / R} is the expected wait for the {@code q + 1}-th of them to
 *       free (exponential approximation) and {@code C / R} the rate-weighted mean service time
 *       there. This is shortest-expected-delay routing with the true parameters (Selen, Adan,
 *       Kapodistria and van Leeuwaarden, "Steady-state analysis of shortest expected delay
 *       routing", Queueing Systems 84, 2016), and it gives the threshold shape that is optimal
 *       for a fast and a slow server (Lin and Kumar, "Optimal control of a queueing system with
 *       two heterogeneous servers", IEEE TAC 29, 1984): use the slow server only once the line
 *       is long enough. With equal speeds no backend is faster, and (1) holds unchanged.
 *       Worked example: two backends of 16 workers at 20 ms are busy (R = 1.6 per ms, C = 32)
 *       and one 10× slower (200 ms) has a free worker: the head waits while
 *       (q + 1 + 32) / 1.6 < 200, that is until 288 requests wait.
 *   <li><b>No request goes where it would fail.</b> Before sending, the oracle makes the
 *       backend's own draw of whether the request would fail there (its error rate, from its
 *       stream, the draw every start makes); if so, the request is not sent there and the next
 *       candidate is tried (the draw is spent, as that request's fate at that backend). A request
 *       every free worker would fail waits for the next free worker.
 *   <li><b>Deaths are known when they happen, not before.</b> A dead backend gets nothing. A
 *       death resets the requests it was serving; they go back to the head of the central
 *       queue (an attempt more each) and are sent again at once.
 *   <li><b>The same waiting room.</b> The central queue holds at most as many requests as the
 *       live backends' queues together ({@code queue} of each); a request that arrives to a full
 *       line is refused at once with a 503, as a backend with a full queue answers (it counts as
 *       an error, with its near-zero latency, as such a 503 does for the other variants). Without
 *       this bound the oracle would hold every request of an overload and its tail would be the
 *       length of the backlog, not a fair yardstick for a pool whose backends refuse; with it,
 *       it is the M/G/k/K queue with the modelled system's own K.
 * </ol>
 *
 * Same clients as every variant: the same arrivals (same seed, same stream), the same client
 * timeout (a request still waiting or in service then ends as a timeout error; a worker that
 * holds it finishes the work), the same {@link Recorder}. Balancer-side policies (retries of
 * errors, per-try timeouts, health checks, load shedding) have nothing to do: the oracle never
 * meets an error it could retry, and knows liveness without checking.
 *
 * <p>Single-threaded: runs on the simulation thread, from events of its pool's
 * {@link VirtualScheduler}.
 */
final class OracleDispatcher implements Traffic {
  /** As the recorder counts a client timeout, like the core pool's request path. */
  private static final int TIMEOUT_STATUS = 0;

  private final VirtualScheduler scheduler;
  private final List<SimBackend> models;
  private final Recorder recorder;
  private final long durationNanos;
  private final long clientTimeoutNanos;
  /** Client timeouts all have the same delay, so they fall due in arrival order: a FIFO. */
  private final FifoTimers timeouts;
  /** The central queue; a request whose client gave up is dropped when it reaches the head. */
  private final ArrayDeque<Request> waiting = new ArrayDeque<>();
  /** Scratch: requests passed over in one round, put back in order at its end. */
  private final List<Request> held = new ArrayList<>();
  /** Rules 2 to 4, shared with the scenario runner's oracle. */
  private final OracleChoice choice;
  /** The truth the choice reads: the models as they are now. */
  private final OracleChoice.Backends view;
  /** Requests in flight, in arrival order (for the unfinished ones at the end). */
  private final Set<Request> live = new LinkedHashSet<>();
  private Consumer<SimBackend> onDispatch = m -> {};
  private long arrived;
  /** Requests waiting in the central queue (those whose client gave up not counted). */
  private long waitingCount;

  /**
   * Sends requests to {@code models} (scenario order); requests that end by
   * {@code durationNanos} count in the series; a client gives up after
   * {@code clientTimeoutNanos} (0: never).
   */
  OracleDispatcher(VirtualScheduler scheduler, List<SimBackend> models, Recorder recorder,
      long durationNanos, long clientTimeoutNanos) {
    this.scheduler = scheduler;
    this.models = models;
    this.recorder = recorder;
    this.durationNanos = durationNanos;
    this.clientTimeoutNanos = clientTimeoutNanos;
    this.timeouts = new FifoTimers(scheduler);
    this.choice = new OracleChoice(models.size());
    this.view = new OracleChoice.Backends() {
      @Override
      public int count() {
        return models.size();
      }

      @Override
      public double meanNanos(int backend) {
        return models.get(backend).meanServiceNanos();
      }

      @Override
      public int workers(int backend) {
        return models.get(backend).slots();
      }

      @Override
      public int free(int backend) {
        return models.get(backend).freeWorkers();
      }

      @Override
      public boolean completing(int backend) {
        return models.get(backend).alive();
      }
    };
  }

  /** Told of the backend each request is sent to, just before it starts there (for tests). */
  void onDispatch(Consumer<SimBackend> listener) {
    this.onDispatch = listener;
  }

  /** Requests that arrived so far. */
  long arrived() {
    return arrived;
  }

  @Override
  public void arrive() {
    arrived++;
    Request r = new Request(scheduler.nanos());
    live.add(r);
    if (clientTimeoutNanos > 0) {
      timeouts.add(r.timeout, r.start + clientTimeoutNanos);
    }
    enqueue(r);
    dispatch();
    if (r.waiting && waitingCount > waitingRoom()) {
      // Rule 6: the line is full. It is the last one in it: take it back out and refuse it.
      waiting.pollLast();
      r.waiting = false;
      waitingCount--;
      r.timeout.cancel();
      end(r, 503);
    }
  }

  /** The live backends' queues together: the waiting room the modelled servers have. */
  private long waitingRoom() {
    long room = 0;
    for (SimBackend m : models) {
      room += m.alive() ? m.spec().queue() : 0;
    }
    return room;
  }

  private void enqueue(Request r) {
    waiting.add(r);
    r.waiting = true;
    waitingCount++;
  }

  @Override
  public void changed(SimBackend model, List<SimAttempt> reset) {
    // Back to the head of the line, oldest first.
    for (int i = reset.size() - 1; i >= 0; i--) {
      Attempt a = (Attempt) reset.get(i);
      if (!a.abandoned) {
        a.request.attempt = null;
        a.request.waiting = true;
        waitingCount++;
        waiting.addFirst(a.request);
      }
    }
    dispatch();
  }

  /** The oracle is told liveness; it has no checks to act on. */
  @Override
  public void checked(int backend, boolean alive) {}

  /** True capacity: workers / mean service time (requests per second), 0 when dead. */
  @Override
  public double weight(int backend) {
    SimBackend m = models.get(backend);
    return m.alive() ? m.slots() * 1e9 / m.meanServiceNanos() : 0;
  }

  /** True capacity as a percentage of the backend's capacity as specified. */
  @Override
  public int weightPercent(int backend) {
    BackendSpec spec = models.get(backend).spec();
    double base = spec.slots() * 1e9 / spec.service().meanNanos();
    return (int) Math.round(100 * weight(backend) / base);
  }

  @Override
  public boolean inFlight() {
    return !live.isEmpty();
  }

  @Override
  public void recordUnfinished() {
    for (Request r : live) {
      recorder.unfinished(r.start, scheduler.nanos() - r.start);
    }
  }

  /** Sends waiting requests to free workers as the rules say, head first. */
  private void dispatch() {
    held.clear();
    while (!waiting.isEmpty() && anyFreeWorker()) {
      Request r = waiting.poll();
      if (r.done) {
        continue;
      }
      r.waiting = false;
      waitingCount--;
      if (!place(r, held.size())) {
        r.waiting = true;
        waitingCount++;
        held.add(r);
      }
    }
    for (int i = held.size() - 1; i >= 0; i--) {
      waiting.addFirst(held.get(i));
    }
  }

  private boolean anyFreeWorker() {
    for (SimBackend m : models) {
      if (m.freeWorkers() > 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * Starts {@code r} on the best free worker, {@code ahead} requests being held before it;
   * false when it is better off waiting.
   */
  private boolean place(Request r, int ahead) {
    int b = choice.choose(view, ahead, i -> models.get(i).nextFails());
    if (b < 0) {
      return false;
    }
    SimBackend m = models.get(b);
    r.attempts++;
    Attempt a = new Attempt(r, m, scheduler.nanos());
    r.attempt = a;
    recorder.picked(b, r.start);
    onDispatch.accept(m);
    m.startOnFreeWorker(a, false);
    return true;
  }

  /** The backend is done with the attempt: the request ends, unless its client already left. */
  private void answered(Attempt a) {
    a.model.finished(a);
    Request r = a.request;
    if (!a.abandoned) {
      r.attempt = null;
      r.timeout.cancel();
      end(r, 200);
    }
    dispatch();
  }

  private void clientTimeout(Request r) {
    if (r.waiting) {
      // Dropped from the line when it reaches the head.
      r.waiting = false;
      waitingCount--;
    }
    if (r.attempt != null) {
      // The worker finishes the work anyway, as a real backend does when its client leaves.
      r.attempt.abandoned = true;
      r.attempt = null;
    }
    end(r, TIMEOUT_STATUS);
  }

  /** The request ends now with {@code status}: 200, 503 (refused) or a client timeout. */
  private void end(Request r, int status) {
    long now = scheduler.nanos();
    boolean inSeries = now <= durationNanos;
    boolean timeout = status == TIMEOUT_STATUS;
    boolean failed = status != 200;
    recorder.completed(r.start, now - r.start, failed, timeout, r.attempts, inSeries);
    recorder.classified(Priority.DEFAULT, r.start, !failed, inSeries);
    r.done = true;
    live.remove(r);
  }

  /** One client request: waiting in the central queue, or at a worker. */
  private final class Request {
    final long start;
    final SimEvent timeout = new SimEvent() {
      @Override
      protected void fire() {
        clientTimeout(Request.this);
      }
    };
    /** The attempt in progress, or null while waiting. */
    Attempt attempt;
    int attempts;
    /** In the central queue, counted in {@code waitingCount}. */
    boolean waiting;
    /** Ended (answered, refused or timed out); dropped from the queue when met there. */
    boolean done;

    Request(long start) {
      this.start = start;
    }
  }

  private final class Attempt extends SimAttempt {
    final Request request;

    Attempt(Request request, SimBackend model, long startNanos) {
      super(model.backend(), model, startNanos);
      this.request = request;
    }

    @Override
    protected void fire() {
      answered(this);
    }
  }
}
