package io.ballast.core.signal;

/** Where a backend's own view of its load comes from. */
public enum SignalSource {
  /** An agent endpoint the balancer polls (HAProxy's agent-check, with utilization figures). */
  AGENT("agent"),
  /** A load-report header the backend adds to its responses. */
  HEADER("header"),
  /** Gauges scraped from the backend's Prometheus endpoint. */
  PROMETHEUS("prometheus");

  private final String configName;

  SignalSource(String configName) {
    this.configName = configName;
  }

  /** The name used in config, logs and the admin API. */
  public String configName() {
    return configName;
  }

  @Override
  public String toString() {
    return configName;
  }
}
