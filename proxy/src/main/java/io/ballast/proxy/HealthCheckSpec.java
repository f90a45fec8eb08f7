package io.ballast.proxy;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How one pool's backends are probed over HTTP.
 *
 * <p>Immutable.
 *
 * @param path request target of the probe, starting with '/'
 * @param host Host header of the probe, or null to use the backend's address
 * @param interval time between two probes of one backend (each jittered by ±10%)
 * @param timeout how long a probe (connect and response head) may take
 * @param expectedStatuses statuses that pass; empty means 200-399
 * @param kind {@link Kind#HTTP} (connect, GET, status) or {@link Kind#TCP} (connect only: for
 *     backends that speak no HTTP health endpoint); path, host and statuses apply to HTTP only
 */
public record HealthCheckSpec(
    String path, String host, Duration interval, Duration timeout,
    List<StatusRange> expectedStatuses, Kind kind) {

  /** What a probe does. */
  public enum Kind {
    /** Connect, send {@code GET path}, pass on an expected status. */
    HTTP,
    /** Pass when a TCP connection is accepted within the timeout. */
    TCP
  }

  /** An HTTP check. */
  public HealthCheckSpec(String path, String host, Duration interval, Duration timeout,
      List<StatusRange> expectedStatuses) {
    this(path, host, interval, timeout, expectedStatuses, Kind.HTTP);
  }

  /** A TCP connect check every {@code interval}, timing out after {@code timeout}. */
  public static HealthCheckSpec tcp(Duration interval, Duration timeout) {
    return new HealthCheckSpec("/", null, interval, timeout, DEFAULT_STATUSES, Kind.TCP);
  }

  /** 200-399, the default of {@link #expectedStatuses}. */
  public static final List<StatusRange> DEFAULT_STATUSES = List.of(new StatusRange(200, 399));

  public HealthCheckSpec {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(path, "path");
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("path: \"" + path + "\" (expected: starting with /)");
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c <= ' ' || c >= 0x7f) {
        throw new IllegalArgumentException(
            "path: \"" + path + "\" (expected: no spaces or control characters)");
      }
    }
    if (host != null && (host.isBlank() || !HeaderRewriter.isFieldValue(host))) {
      throw new IllegalArgumentException("host: \"" + host + "\" (expected: a host name or null)");
    }
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(timeout, "timeout");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval: " + interval + " (expected: > 0)");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
    }
    expectedStatuses = expectedStatuses == null || expectedStatuses.isEmpty()
        ? DEFAULT_STATUSES : List.copyOf(expectedStatuses);
  }

  /** A probe of {@code path} every {@code interval}, timing out after {@code timeout}, 200-399. */
  public static HealthCheckSpec of(String path, Duration interval, Duration timeout) {
    return new HealthCheckSpec(path, null, interval, timeout, DEFAULT_STATUSES);
  }

  /** True when the status passes. */
  public boolean passes(int status) {
    for (StatusRange r : expectedStatuses) {
      if (r.contains(status)) {
        return true;
      }
    }
    return false;
  }
}
