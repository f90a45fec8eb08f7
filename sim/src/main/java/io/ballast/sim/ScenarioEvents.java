package io.ballast.sim;

import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The scenario's own events on one pool's virtual clock, scheduled by {@link #start}: client
 * arrivals (a Poisson process at the rate profile's peak, thinned to the rate of the moment),
 * handed to the {@link RequestDriver}; the {@link Recorder}'s bucket ticks; each backend's
 * timeline (slow-downs, error rates, slots, death and return; a death resets the attempts the
 * backend held); and the active health checks, reported to the load balancer every interval
 * (passing while the backend is alive), spread over the interval.
 *
 * <p>Single-threaded: its events run on the simulation thread, from the pool's
 * {@link VirtualScheduler}.
 */
final class ScenarioEvents {
  private final Scenario scenario;
  private final VirtualScheduler scheduler;
  private final SplittableRandom arrivals;
  private final RequestDriver requests;
  private final Recorder recorder;
  private final LoadBalancer lb;
  private final List<Backend> backends;
  private final List<SimBackend> models;
  private final long durationNanos;

  /** Arrival gaps and thinning draw from {@code arrivals}, and from nothing else. */
  ScenarioEvents(Scenario scenario, VirtualScheduler scheduler, SplittableRandom arrivals,
      RequestDriver requests, Recorder recorder, LoadBalancer lb, List<Backend> backends,
      List<SimBackend> models) {
    this.scenario = scenario;
    this.scheduler = scheduler;
    this.arrivals = arrivals;
    this.requests = requests;
    this.recorder = recorder;
    this.lb = lb;
    this.backends = backends;
    this.models = models;
    this.durationNanos = scenario.duration().toNanos();
  }

  /** Schedules the first of each event; each reschedules itself until the scenario's end. */
  void start() {
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
        requests.arrive();
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
      for (SimAttempt a : model.apply(event)) {
        requests.reset(a);
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
}
