package io.ballast.core;

import java.util.Objects;

/**
 * One backend server of a pool: its identity (name and address), its configured weight, and the
 * live load counters the data plane updates.
 *
 * <p>Thread-safe: the identity fields are final; {@link #load()} is updated lock-free by event
 * loops. A {@code Backend} is created once by the control plane and compared by identity, so a
 * picker can return the same pre-built {@link PickResult.Picked} instance for every pick
 * ({@link #picked()}) and allocate nothing.
 */
public final class Backend {
  /** HAProxy's ceiling; weights are relative, 256 steps are plenty for configured weights. */
  public static final int MAX_WEIGHT = 256;

  private final String name;
  private final String host;
  private final int port;
  private final int weight;
  private final BackendLoad load = new BackendLoad();
  private final io.ballast.core.signal.BackendSignals signals =
      new io.ballast.core.signal.BackendSignals();
  private final PickResult.Picked picked = new PickResult.Picked(this);
  private volatile AttemptGate gate = AttemptGate.OPEN;
  private volatile OutcomeListener outcomes = OutcomeListener.NONE;

  public Backend(String name, String host, int port, int weight) {
    this.name = Objects.requireNonNull(name, "name");
    this.host = Objects.requireNonNull(host, "host");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name: blank (expected: a non-empty name)");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
    }
    if (weight < 1 || weight > MAX_WEIGHT) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: 1.." + MAX_WEIGHT + ")");
    }
    this.port = port;
    this.weight = weight;
  }

  public String name() {
    return name;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /** The configured weight (HAProxy's uweight); never changed by the control loop. */
  public int weight() {
    return weight;
  }

  /** {@code host:port}, as written in logs and headers. */
  public String address() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }

  public BackendLoad load() {
    return load;
  }

  /** The backend's own view of its load (agent, load-report header, Prometheus), as last reported. */
  public io.ballast.core.signal.BackendSignals signals() {
    return signals;
  }

  /**
   * What each attempt on this backend asks first and reports to: its circuit breaker, or
   * {@link AttemptGate#OPEN} when the pool runs none. Thread-safe (one volatile read).
   */
  public AttemptGate gate() {
    return gate;
  }

  /**
   * Installs the backend's gate (the pool's circuit breakers do, when they start or the backend
   * joins); {@link AttemptGate#OPEN} takes it away. Wiring or control loop only.
   */
  public void useGate(AttemptGate gate) {
    this.gate = Objects.requireNonNull(gate, "gate");
  }

  /**
   * Who learns how each attempt on this backend went: its outlier tracker, or
   * {@link OutcomeListener#NONE}. Thread-safe (one volatile read).
   */
  public OutcomeListener outcomes() {
    return outcomes;
  }

  /**
   * Installs the backend's outcome listener (outlier detection does, when it starts or the
   * backend joins); {@link OutcomeListener#NONE} takes it away. Wiring or control loop only.
   */
  public void useOutcomeListener(OutcomeListener listener) {
    this.outcomes = Objects.requireNonNull(listener, "listener");
  }

  /** The pre-built pick result naming this backend, so that a pick allocates nothing. */
  public PickResult.Picked picked() {
    return picked;
  }

  @Override
  public String toString() {
    return name + "(" + address() + ", w=" + weight + ")";
  }
}
