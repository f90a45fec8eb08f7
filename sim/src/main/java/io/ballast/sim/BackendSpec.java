package io.ballast.sim;

import io.ballast.core.Backend;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A modelled backend: a server with {@code slots} workers, a FIFO queue in front of them, a
 * service-time distribution and an error model, changed over time by its timeline. Immutable.
 *
 * @param name as in tables and charts
 * @param weight the configured weight in the pool (1..256)
 * @param slots requests served at once (worker threads, cores): concurrency c of M/M/c
 * @param queue requests that may wait for a slot; one more is answered with {@code 503} at once
 * @param service how long a request holds a slot
 * @param errorRate share of requests answered with {@code errorStatus} instead (0..1)
 * @param errorLatency how long such an error takes (errors are usually fast)
 * @param errorStatus the status of those errors (400..599; a 429 sheds work)
 * @param errorKind how those errors fail: a status, a reset, a truncated body or no answer
 * @param timeline changes over the run, in time order
 */
public record BackendSpec(String name, int weight, int slots, int queue, ServiceTime service,
    double errorRate, Duration errorLatency, int errorStatus, ErrorKind errorKind,
    List<BackendEvent> timeline) {
  public BackendSpec {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name: blank (expected: a non-empty name)");
    }
    if (weight < 1 || weight > Backend.MAX_WEIGHT) {
      throw new IllegalArgumentException(
          "weight: " + weight + " (expected: 1.." + Backend.MAX_WEIGHT + ")");
    }
    if (slots < 1) {
      throw new IllegalArgumentException("slots: " + slots + " (expected: >= 1)");
    }
    if (queue < 0) {
      throw new IllegalArgumentException("queue: " + queue + " (expected: >= 0)");
    }
    Objects.requireNonNull(service, "service");
    if (!(errorRate >= 0 && errorRate <= 1)) {
      throw new IllegalArgumentException("error_rate: " + errorRate + " (expected: 0..1)");
    }
    Objects.requireNonNull(errorLatency, "errorLatency");
    if (errorLatency.isNegative()) {
      throw new IllegalArgumentException("latency: " + errorLatency + " (expected: >= 0)");
    }
    if (errorStatus < 400 || errorStatus > 599) {
      throw new IllegalArgumentException("status: " + errorStatus + " (expected: 400..599)");
    }
    Objects.requireNonNull(errorKind, "errorKind");
    timeline = List.copyOf(timeline);
    for (int i = 1; i < timeline.size(); i++) {
      if (timeline.get(i).at().compareTo(timeline.get(i - 1).at()) < 0) {
        throw new IllegalArgumentException("timeline[" + i + "].at: " + timeline.get(i).at()
            + " (expected: in time order, not before " + timeline.get(i - 1).at() + ")");
      }
    }
  }

  /** A backend with no errors and no timeline. */
  public static BackendSpec simple(String name, int weight, int slots, int queue,
      ServiceTime service) {
    return new BackendSpec(name, weight, slots, queue, service, 0, Duration.ofMillis(1), 503,
        ErrorKind.STATUS, List.of());
  }

  /** A backend with errors answered as a status (the kind most scenarios model). */
  public BackendSpec(String name, int weight, int slots, int queue, ServiceTime service,
      double errorRate, Duration errorLatency, int errorStatus, List<BackendEvent> timeline) {
    this(name, weight, slots, queue, service, errorRate, errorLatency, errorStatus,
        ErrorKind.STATUS, timeline);
  }

  /** The same backend failing its errors in another way. */
  public BackendSpec withErrors(double rate, int status, ErrorKind kind) {
    return new BackendSpec(name, weight, slots, queue, service, rate, errorLatency, status, kind,
        timeline);
  }

  /** The same backend with another timeline. */
  public BackendSpec withTimeline(List<BackendEvent> events) {
    return new BackendSpec(name, weight, slots, queue, service, errorRate, errorLatency,
        errorStatus, errorKind, events);
  }
}
