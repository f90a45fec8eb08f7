package io.ballast.sim;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import io.ballast.core.Rng;
import io.ballast.core.attempt.AttemptListener;
import io.ballast.core.attempt.Attempts;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import io.ballast.core.retry.AttemptFailure;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.signal.LoadReport;
import io.ballast.core.signal.SignalSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * One variant of a scenario on its own virtual clock: a real core {@link LoadBalancer} with the
 * variant's algorithm and features, the modelled backends, and the requests between them, driven
 * as the proxy drives a real pool.
 *
 * <h2>One request</h2>
 * It arrives (Poisson) and goes through the attempt protocol ({@link Attempts}), the same code the
 * proxy runs for a real request: each attempt is picked, passes the backend's gate, and its
 * outcome reaches the backend's load, circuit breaker and outlier tracker as the protocol's table
 * says; the protocol decides every retry (a GET, so replayable). The simulator only plays the
 * network and the servers: a dead backend refuses the connection; a live one serves, queues or
 * rejects the attempt (503 with a full queue), fails it as its {@link ErrorKind} says, and
 * reports its utilization as a {@link SignalSource#HEADER} load report ({@code cpu}: busy workers
 * / workers, {@code queue}: requests waiting). Per-try timeouts and client timeouts are timers on
 * the virtual clock.
 *
 * <h2>Extension</h2>
 * {@link VariantFeature}s attach to a pool before traffic starts: they read
 * {@link #loadBalancer()}, {@link #backends()}, {@link #scheduler()}, listen with
 * {@link #addListener} and stop with {@link #onClose}.
 *
 * <p>Single-threaded: everything runs on the thread that calls {@link #run}.
 */
public final class SimPool {
  private static final long DRAIN_LIMIT_NANOS = 300_000_000_000L;
  private static final int TIMEOUT_STATUS = 0;
  /** What the client of a truncated response is counted as: a failure, like a 502. */
  private static final int BROKEN_STATUS = 502;

  private final Scenario scenario;
  private final VariantSpec variant;
  private final VirtualScheduler scheduler = new VirtualScheduler();
  private final Rng rng;
  private final List<Backend> backends;
  private final List<SimBackend> models;
  private final Map<Backend, Integer> index = new IdentityHashMap<>();
  private final LoadBalancer lb;
  private final RetryPolicy retryPolicy;
  private AttemptListener attemptListener = AttemptListener.NONE;
  private final List<PoolListener> listeners = new ArrayList<>();
  private final List<Runnable> closers = new ArrayList<>();
  private final Recorder recorder;
  private final SplittableRandom arrivals;
  private final ArrayDeque<Request> free = new ArrayDeque<>();
  /** Client timeouts all have the same delay, so they fall due in arrival order: a FIFO. */
  private final FifoTimers timeouts = new FifoTimers(scheduler);
  private final List<Request> live = new ArrayList<>();
  private final long durationNanos;
  private final long clientTimeoutNanos;
  private boolean started;
  private long arrived;

  /**
   * Builds the pool of {@code variant} on a fresh virtual clock. Every draw follows from
   * {@code scenario.seed()}: the balancer's (and so the pickers') from
   * {@code Rng.singleThreaded(seed)}, the models' (arrivals, service times, errors) from a
   * separate generator split per backend.
   */
  public SimPool(Scenario scenario, VariantSpec variant) {
    this.scenario = Objects.requireNonNull(scenario, "scenario");
    this.variant = Objects.requireNonNull(variant, "variant");
    this.rng = Rng.singleThreaded(scenario.seed());
    SplittableRandom models = new SplittableRandom(scenario.seed() ^ 0x5DEECE66DL);
    this.arrivals = models.split();
    List<Backend> bs = new ArrayList<>();
    List<SimBackend> ms = new ArrayList<>();
    for (int i = 0; i < scenario.backends().size(); i++) {
      BackendSpec spec = scenario.backends().get(i);
      Backend b = new Backend(spec.name(), "sim", 1 + i,
          variant.weights().getOrDefault(spec.name(), spec.weight()));
      b.load().useTicker(scheduler);
      bs.add(b);
      ms.add(new SimBackend(spec, b, models.split(), scheduler));
      index.put(b, i);
    }
    this.backends = List.copyOf(bs);
    this.models = List.copyOf(ms);
    this.recorder = new Recorder(bs.size(), scenario.warmup().toNanos());
    this.lb = new LoadBalancer(variant.name(), backends, variant.algorithm(), variant.options(),
        scenario.healthChecks().settings(), scheduler, rng, new Listeners());
    this.retryPolicy = new RetryPolicy(scenario.retries(), scheduler);
    this.durationNanos = scenario.duration().toNanos();
    this.clientTimeoutNanos = scenario.clients().timeout().toNanos();
  }

  public Scenario scenario() {
    return scenario;
  }

  public VariantSpec variant() {
    return variant;
  }

  /** The pool's virtual clock and control loop. */
  public VirtualScheduler scheduler() {
    return scheduler;
  }

  /** The pool's seeded randomness (the pickers draw from it too). */
  public Rng rng() {
    return rng;
  }

  public LoadBalancer loadBalancer() {
    return lb;
  }

  /** The core backends, in scenario order. */
  public List<Backend> backends() {
    return backends;
  }

  /** The modelled servers, in scenario order. */
  public List<SimBackend> models() {
    return models;
  }

  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  /**
   * Told of every attempt as it ends, with its classification; set before {@link #run}. For
   * tests that hold the simulator's attempts against the proxy's.
   */
  public void useAttemptListener(AttemptListener listener) {
    if (started) {
      throw new IllegalStateException("pool " + variant.name() + " already ran");
    }
    this.attemptListener = Objects.requireNonNull(listener, "listener");
  }

  /** Receives every state change of the load balancer, on the virtual control loop. */
  public void addListener(PoolListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Runs when the run ends (stop timers, detectors). */
  public void onClose(Runnable closer) {
    closers.add(Objects.requireNonNull(closer, "closer"));
  }

  /** Requests that arrived so far. */
  public long arrived() {
    return arrived;
  }

  /**
   * Runs the variant to the end: arrivals for the scenario's duration, then until every request
   * has finished (at most 5 minutes of virtual time more). Once only.
   */
  public VariantResult run(java.util.function.DoubleConsumer progress) {
    if (started) {
      throw new IllegalStateException("pool " + variant.name() + " already ran");
    }
    started = true;
    scheduleModels();
    long step = Math.max(1, durationNanos / 100);
    for (long t = step; t < durationNanos; t += step) {
      scheduler.runUntil(t);
      progress.accept((double) t / durationNanos);
    }
    scheduler.runUntil(durationNanos);
    scheduler.runUntil(durationNanos + DRAIN_LIMIT_NANOS, () -> !live.isEmpty());
    for (Request r : live) {
      recorder.unfinished(r.start, scheduler.nanos() - r.start);
    }
    progress.accept(1.0);
    for (Runnable c : closers) {
      c.run();
    }
    return recorder.result(variant.name());
  }

  private void scheduleModels() {
    // Arrivals: a Poisson process at the profile's peak rate, thinned to the rate of the moment.
    scheduler.after(0, new Arrival());
    long bucket = scenario.bucket().toNanos();
    scheduler.after(bucket, new BucketTick(bucket));
    for (int i = 0; i < models.size(); i++) {
      SimBackend m = models.get(i);
      for (BackendEvent e : m.spec().timeline()) {
        scheduler.at(e.at().toNanos(), new TimelineEvent(m, e));
      }
      HealthCheckSpec hc = scenario.healthChecks();
      if (hc.enabled()) {
        long interval = hc.interval().toNanos();
        // Spread the backends' checks over the interval, as independent probes would be.
        scheduler.after(interval * (i + 1) / models.size(), new HealthProbe(m, interval));
      }
    }
  }

  // ---- the request path: the attempt protocol, as the proxy drives it

  private void arrive() {
    arrived++;
    Request r = free.poll();
    if (r == null) {
      r = new Request(new Attempts(scheduler, attemptListener));
    }
    r.start = scheduler.nanos();
    r.attempts.start(lb, retryPolicy, null, "GET", 0L, -1);
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

  /** The request's next attempt, or its end when no backend can take it. */
  private void send(Request r) {
    Backend b = r.attempts.next();
    if (b == null) {
      finish(r, r.attempts.failStatus());
      return;
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
    Attempt a = new Attempt(r, b, model);
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
    Request r = a.request;
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
    Request r = a.request;
    r.attempt = null;
    if (r.attempts.failed(failure, why)) {
      send(r);
    } else {
      finish(r, r.attempts.failStatus());
    }
  }

  /** The client gave up: the attempt in progress is abandoned as the proxy abandons it. */
  private void clientTimeout(Request r) {
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

  private void finish(Request r, int status) {
    if (r.timeout != null) {
      r.timeout.cancel();
      r.timeout = null;
    }
    long now = scheduler.nanos();
    boolean timeout = status == TIMEOUT_STATUS;
    recorder.completed(r.start, now - r.start, timeout || status >= 500, timeout,
        r.attempts.count(), now <= durationNanos);
    // Swap-remove from the live list.
    Request last = live.remove(live.size() - 1);
    if (last != r) {
      live.set(r.liveIndex, last);
      last.liveIndex = r.liveIndex;
    }
    free.add(r);
  }

  // ---- events

  /** One client request in flight. Reused (with its attempts) once it ends. */
  static final class Request {
    final Attempts attempts;
    long start;
    Attempt attempt;
    ClientTimeout timeout;
    int liveIndex;

    Request(Attempts attempts) {
      this.attempts = attempts;
    }
  }

  /** One attempt at one backend; fires when the backend is done with it. */
  final class Attempt extends SimEvent {
    final Request request;
    final Backend backend;
    final SimBackend model;
    final long startNanos;
    /** The backend's answer, set when it starts serving (or rejects); 0 without one. */
    int status;
    /** How the backend fails this attempt, or null when it serves it. */
    ErrorKind error;
    boolean overflow;
    /** The pool is done with it (timeout, reset, client gone); the backend may still work on it. */
    boolean abandoned;
    PerTryTimeout timer;

    Attempt(Request request, Backend backend, SimBackend model) {
      this.request = request;
      this.backend = backend;
      this.model = model;
      this.startNanos = scheduler.nanos();
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
    private final Request request;

    ClientTimeout(Request request) {
      this.request = request;
    }

    @Override
    protected void fire() {
      if (request.timeout == this) {
        clientTimeout(request);
      }
    }
  }

  private final class Arrival extends SimEvent {
    private final double maxRate = scenario.clients().rate().maxRate();

    @Override
    protected void fire() {
      long now = scheduler.nanos();
      if (now >= durationNanos) {
        return;
      }
      RateProfile rate = scenario.clients().rate();
      if (arrivals.nextDouble() * maxRate < rate.rateAt(now)) {
        arrive();
      }
      double gapNanos = -Math.log(1.0 - arrivals.nextDouble()) / maxRate * 1e9;
      scheduler.after(Math.max(1, Math.round(gapNanos)), this);
    }
  }

  private final class BucketTick extends SimEvent {
    private final long width;

    BucketTick(long width) {
      this.width = width;
    }

    @Override
    protected void fire() {
      recorder.closeBucket(scheduler.nanos(), lb, backends);
      if (scheduler.nanos() + width <= durationNanos) {
        scheduler.after(width, this);
      }
    }
  }

  private final class TimelineEvent extends SimEvent {
    private final SimBackend model;
    private final BackendEvent event;

    TimelineEvent(SimBackend model, BackendEvent event) {
      this.model = model;
      this.event = event;
    }

    @Override
    protected void fire() {
      for (Attempt a : model.apply(event)) {
        reset(a);
      }
    }
  }

  private final class HealthProbe extends SimEvent {
    private final SimBackend model;
    private final long interval;

    HealthProbe(SimBackend model, long interval) {
      this.model = model;
      this.interval = interval;
    }

    @Override
    protected void fire() {
      boolean alive = model.alive();
      lb.reportCheck(model.backend(), alive, alive ? "status 200" : "connection refused");
      if (scheduler.nanos() < durationNanos) {
        scheduler.after(interval, this);
      }
    }
  }

  /** Counts the balancer's decisions and passes them on to the features' listeners. */
  private final class Listeners implements PoolListener {
    @Override
    public void onHealthChange(LoadBalancer pool, Backend backend, HealthState from,
        HealthState to, String reason) {
      recorder.healthChange();
      for (PoolListener l : listeners) {
        l.onHealthChange(pool, backend, from, to, reason);
      }
    }

    @Override
    public void onAdminChange(LoadBalancer pool, Backend backend, AdminState from, AdminState to,
        String reason) {
      for (PoolListener l : listeners) {
        l.onAdminChange(pool, backend, from, to, reason);
      }
    }

    @Override
    public void onEjection(LoadBalancer pool, Backend backend, boolean ejected, String reason) {
      if (ejected) {
        recorder.ejection();
      }
      for (PoolListener l : listeners) {
        l.onEjection(pool, backend, ejected, reason);
      }
    }

    @Override
    public void onPanic(LoadBalancer pool, boolean panic, String reason) {
      for (PoolListener l : listeners) {
        l.onPanic(pool, panic, reason);
      }
    }

    @Override
    public void onWarmupStart(LoadBalancer pool, Backend backend) {
      for (PoolListener l : listeners) {
        l.onWarmupStart(pool, backend);
      }
    }
  }

  @Override
  public String toString() {
    return "sim pool " + variant.name() + " at " + scheduler + ": " + models;
  }
}
