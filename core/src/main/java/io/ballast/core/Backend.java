package io.ballast.core;

import java.util.Objects;

/**
 * One backend server of a pool: its identity (name and address), its configured weight, its zone,
 * and the live load counters the data plane updates.
 *
 * <p>Thread-safe: the identity fields (name, host, port) are final; {@link #load()} is updated
 * lock-free by event loops. A {@code Backend} is created once by the control plane and compared by
 * identity, so a picker can return the same pre-built {@link PickResult.Picked} instance for every
 * pick ({@link #picked()}) and allocate nothing. Everything the pool learns about a backend (load,
 * latency history, circuit and outlier state, pooled connections) hangs on this object, which is
 * why a membership update that keeps name and address keeps the object and changes its weight and
 * zone in place ({@link #setWeight}, {@link #setZone}); pickers read the weight they were built
 * with from their snapshot, never from here.
 */
public final class Backend {
  /** HAProxy's ceiling; weights are relative, 256 steps are plenty for configured weights. */
  public static final int MAX_WEIGHT = 256;

  private final String name;
  private final String host;
  private final int port;
  /** Written by the pool's membership update only (control loop). */
  private volatile int weight;
  private volatile String zone;
  private final BackendLoad load = new BackendLoad();
  private final io.ballast.core.signal.BackendSignals signals =
      new io.ballast.core.signal.BackendSignals();
  private final PickResult.Picked picked = new PickResult.Picked(this);
  private volatile AttemptGate gate = AttemptGate.OPEN;
  private volatile OutcomeListener outcomes = OutcomeListener.NONE;

  /** A backend in no zone. */
  public Backend(String name, String host, int port, int weight) {
    this(name, host, port, weight, null);
  }

  /**
   * @param zone where the backend runs, written "region/zone" ("eu-west/eu-west-1a"), or null when
   *     its pool is not zone-aware
   */
  public Backend(String name, String host, int port, int weight, String zone) {
    validate(name, host, port, weight, zone);
    this.name = name;
    this.host = host;
    this.port = port;
    this.weight = weight;
    this.zone = zone;
  }

  /**
   * Checks a backend's description as the constructor does, so that a description can be
   * refused before any backend is made from it.
   *
   * @throws IllegalArgumentException naming the field, its value and what was expected
   */
  public static void validate(String name, String host, int port, int weight, String zone) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(host, "host");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name: blank (expected: a non-empty name)");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
    }
    checkWeight(weight);
    checkZone(zone);
  }

  private static void checkWeight(int weight) {
    if (weight < 1 || weight > MAX_WEIGHT) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: 1.." + MAX_WEIGHT + ")");
    }
  }

  /**
   * The form the zone-aware code parses: two non-blank parts around one '/'. Checked here rather
   * than by that code's own type, which this package must not know (it builds on nothing).
   */
  private static void checkZone(String zone) {
    if (zone == null) {
      return;
    }
    int slash = zone.indexOf('/');
    if (slash <= 0 || slash == zone.length() - 1 || zone.indexOf('/', slash + 1) >= 0
        || zone.substring(0, slash).isBlank() || zone.substring(slash + 1).isBlank()) {
      throw new IllegalArgumentException(
          "zone: \"" + zone + "\" (expected: region/zone, e.g. eu-west/eu-west-1a)");
    }
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

  /**
   * The configured weight (HAProxy's uweight). Slow start, agents and the weight controller never
   * change it (they change effective weights); only a membership update that reconfigures the
   * backend does. Thread-safe (one volatile read).
   */
  public int weight() {
    return weight;
  }

  /**
   * Changes the configured weight. Control loop only: the pool's membership update, which
   * rebuilds its picker right after.
   */
  public void setWeight(int weight) {
    checkWeight(weight);
    this.weight = weight;
  }

  /** Where the backend runs, "region/zone", or null. Thread-safe (one volatile read). */
  public String zone() {
    return zone;
  }

  /**
   * Moves the backend to another zone ("region/zone", or null for none). Control loop only: the
   * pool's membership update, which rebuilds its picker right after.
   */
  public void setZone(String zone) {
    checkZone(zone);
    this.zone = zone;
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
    String z = zone;
    return name + "(" + address() + ", w=" + weight + (z == null ? "" : ", " + z) + ")";
  }
}
