package io.ballast.sim;

import io.ballast.core.Backend;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The model of one backend server: {@code slots} workers and a bounded FIFO queue. A request that
 * finds a free worker is served at once; otherwise it waits in the queue; when the queue is full
 * it is answered 503 at once (as an overloaded server's accept queue or worker pool rejects).
 * Service times come from the spec's distribution times the current slow-down; a share of
 * requests ({@code errorRate}) fails after the error latency instead, as the spec's
 * {@link ErrorKind} says (a status, a reset, a truncated body, or no answer at all).
 *
 * <p>Single-threaded: driven by its {@link SimPool}'s {@link RequestDriver} (attempts) and
 * {@link ScenarioEvents} (the timeline) on the simulation thread. Its random draws come from its
 * own generator, so the backend's sequence of service times does not depend on what the balancer
 * does (the same across the variants of a scenario, as far as arrivals match).
 */
public final class SimBackend {
  private final BackendSpec spec;
  private final Backend backend;
  private final SplittableRandom random;
  private final VirtualScheduler scheduler;
  private final ArrayDeque<SimAttempt> queue = new ArrayDeque<>();
  private final ArrayList<SimAttempt> serving = new ArrayList<>();
  private int slots;
  private double slowdown = 1;
  private double errorRate;
  private boolean alive = true;
  private long served;
  private long rejected;

  SimBackend(BackendSpec spec, Backend backend, SplittableRandom random,
      VirtualScheduler scheduler) {
    this.spec = spec;
    this.backend = backend;
    this.random = random;
    this.scheduler = scheduler;
    this.slots = spec.slots();
    this.errorRate = spec.errorRate();
  }

  public BackendSpec spec() {
    return spec;
  }

  /** The core backend the pool balances over. */
  public Backend backend() {
    return backend;
  }

  public boolean alive() {
    return alive;
  }

  /** Busy workers over workers: the "cpu" figure it reports. */
  public double utilization() {
    return Math.min(1.0, serving.size() / (double) slots);
  }

  /** Workers free now (0 when dead): the truth the oracle is told. */
  int freeWorkers() {
    return alive ? Math.max(0, slots - serving.size()) : 0;
  }

  /** Workers now (the timeline may change them). */
  int slots() {
    return slots;
  }

  /**
   * The mean time a worker takes for a request started now, in nanoseconds: the distribution's
   * mean times the current slow-down (the truth the oracle is told).
   */
  double meanServiceNanos() {
    return spec.service().meanNanos() * slowdown;
  }

  /** Requests waiting for a worker. */
  public int queued() {
    return queue.size();
  }

  /** Requests served to the end so far (errors included, overflow 503s not). */
  public long served() {
    return served;
  }

  /** Requests answered 503 because the queue was full. */
  public long rejected() {
    return rejected;
  }

  /** Takes an attempt: serve, queue, or answer 503 at once (the attempt fires when answered). */
  void accept(SimAttempt a) {
    if (serving.size() < slots) {
      start(a);
    } else if (queue.size() < spec.queue()) {
      queue.add(a);
    } else {
      rejected++;
      a.status = 503;
      a.overflow = true;
      scheduler.after(0, a);
    }
  }

  private void start(SimAttempt a) {
    start(a, nextFails());
  }

  /**
   * Draws whether the next request this backend starts fails (its error rate), from its own
   * stream: the draw every start makes first. The oracle makes it before it sends, to know.
   */
  boolean nextFails() {
    return errorRate > 0 && random.nextDouble() < errorRate;
  }

  /**
   * Starts {@code a} on a free worker now, failing it or not as {@code fails} (a draw of
   * {@link #nextFails}) says. For the oracle, which sends only to a free worker.
   */
  void startOnFreeWorker(SimAttempt a, boolean fails) {
    if (!alive || serving.size() >= slots) {
      throw new IllegalStateException(spec.name() + ": no free worker (" + this + ")");
    }
    start(a, fails);
  }

  private void start(SimAttempt a, boolean fails) {
    serving.add(a);
    long work;
    if (fails) {
      a.error = spec.errorKind();
      a.status = spec.errorKind() == ErrorKind.STATUS ? spec.errorStatus()
          : spec.errorKind() == ErrorKind.TRUNCATED ? 200 : 0;
      work = spec.errorLatency().toNanos();
    } else {
      a.status = 200;
      work = Math.round(spec.service().sampleNanos(random) * slowdown);
    }
    scheduler.after(Math.max(1, work), a);
  }

  /** The attempt's work is done: its worker takes the next queued request. */
  void finished(SimAttempt a) {
    int i = serving.indexOf(a);
    if (i >= 0) {
      // Order among the workers does not matter: swap-remove.
      int last = serving.size() - 1;
      serving.set(i, serving.get(last));
      serving.remove(last);
      served++;
    }
    startQueued();
  }

  private void startQueued() {
    while (serving.size() < slots && !queue.isEmpty()) {
      start(queue.poll());
    }
  }

  /**
   * Applies a timeline event. Returns the attempts a death reset (in service or queued), for the
   * pool to fail; empty otherwise.
   */
  List<SimAttempt> apply(BackendEvent e) {
    if (e.slowdown() != null) {
      slowdown = e.slowdown();
    }
    if (e.errorRate() != null) {
      errorRate = e.errorRate();
    }
    if (e.slots() != null) {
      slots = e.slots();
      startQueued();
    }
    if (e.alive() != null && e.alive() != alive) {
      alive = e.alive();
      if (!alive) {
        List<SimAttempt> reset = new ArrayList<>(serving);
        reset.addAll(queue);
        serving.clear();
        queue.clear();
        for (SimAttempt a : reset) {
          a.cancel();
        }
        return reset;
      }
    }
    return List.of();
  }

  @Override
  public String toString() {
    return spec.name() + (alive ? "" : " (dead)") + ": " + serving.size() + "/" + slots
        + " busy, " + queue.size() + " queued, slowdown " + slowdown + ", error rate " + errorRate;
  }
}
