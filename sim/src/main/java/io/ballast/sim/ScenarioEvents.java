package io.ballast.sim;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The scenario's own events on one pool's virtual clock, scheduled by {@link #start}: client
 * arrivals (a Poisson process at the rate profile's peak, thinned to the rate of the moment),
 * handed to the pool's {@link Traffic} (the core balancer's request path, or the oracle); the
 * {@link Recorder}'s bucket ticks; each backend's timeline (slow-downs, error rates, slots, death
 * and return; a death resets the attempts the backend held), applied to the model and then told
 * to the traffic; and the active health checks, reported every interval (passing while the
 * backend is alive), spread over the interval.
 *
 * <p>Single-threaded: its events run on the simulation thread, from the pool's
 * {@link VirtualScheduler}.
 */
final class ScenarioEvents {
  /** How long requests in flight at the end may take to finish: five virtual minutes. */
  private static final long DRAIN_LIMIT_NANOS = 300_000_000_000L;

  private final Scenario scenario;
  private final VirtualScheduler scheduler;
  private final SplittableRandom arrivals;
  private final Traffic traffic;
  private final Recorder recorder;
  private final List<SimBackend> models;
  private final long durationNanos;

  /** Arrival gaps and thinning draw from {@code arrivals}, and from nothing else. */
  ScenarioEvents(Scenario scenario, VirtualScheduler scheduler, SplittableRandom arrivals,
      Traffic traffic, Recorder recorder, List<SimBackend> models) {
    this.scenario = scenario;
    this.scheduler = scheduler;
    this.arrivals = arrivals;
    this.traffic = traffic;
    this.recorder = recorder;
    this.models = models;
    this.durationNanos = scenario.duration().toNanos();
  }

  /**
   * Plays the scenario to the end: arrivals for its duration, then until every request has
   * finished (at most {@link #DRAIN_LIMIT_NANOS} more), the unfinished ones recorded as such.
   * Tells {@code progress} the share of the duration done about a hundred times.
   */
  void run(java.util.function.DoubleConsumer progress) {
    start();
    long step = Math.max(1, durationNanos / 100);
    for (long t = step; t < durationNanos; t += step) {
      scheduler.runUntil(t);
      progress.accept((double) t / durationNanos);
    }
    scheduler.runUntil(durationNanos);
    scheduler.runUntil(durationNanos + DRAIN_LIMIT_NANOS, traffic::inFlight);
    traffic.recordUnfinished();
    progress.accept(1.0);
  }

  /** Schedules the first of each event; each reschedules itself until the scenario's end. */
  private void start() {
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
        scheduler.after(interval * (i + 1) / models.size(), new HealthProbe(i, interval));
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
        traffic.arrive();
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
      recorder.closeBucket(scheduler.nanos(), traffic);
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
      traffic.changed(model, model.apply(event));
    }
  }

  private final class HealthProbe extends SimEvent {
    private final int backend;
    private final long interval;

    HealthProbe(int backend, long interval) {
      this.backend = backend;
      this.interval = interval;
    }

    @Override
    protected void fire() {
      traffic.checked(backend, models.get(backend).alive());
      if (scheduler.nanos() < durationNanos) {
        scheduler.after(interval, this);
      }
    }
  }
}
