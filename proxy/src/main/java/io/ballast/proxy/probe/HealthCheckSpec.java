package io.ballast.proxy.probe;

import io.ballast.proxy.http1.HeaderRewriter;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How one level of a pool's active checks probes each backend: a TCP connect, an HTTP request
 * whose status (and, optionally, body) decides, or a gRPC health call ({@link GrpcHealthProbe}).
 *
 * <p>Immutable.
 *
 * @param path request target of the probe, starting with '/'
 * @param host Host header of the probe, or null to use the backend's address
 * @param interval time between two probes of one backend (each jittered by ±10%)
 * @param timeout how long a probe (connect and response head) may take
 * @param expectedStatuses statuses that pass; empty means 200-399
 * @param kind {@link Kind#HTTP} (connect, GET, status), {@link Kind#TCP} (connect only: for
 *     backends that speak no HTTP health endpoint) or {@link Kind#GRPC}; path, host and statuses
 *     apply to HTTP only
 * @param method the HTTP method of the probe, a token such as GET (the default), HEAD or OPTIONS;
 *     not CONNECT
 * @param bodyContains a text the response body must contain for the probe to pass, or null to
 *     judge by status only; at most the first {@value #MAX_BODY} bytes of the body are read; not
 *     with HEAD, whose answers have no body
 * @param service the service a {@link Kind#GRPC} check asks about ("" for the server as a whole);
 *     "" for the other kinds
 * @param sendExpect what a {@link Kind#TCP} check sends and must hear back once connected
 *     ({@link SendExpectProbe}); null for a bare connect, and for the other kinds
 */
public record HealthCheckSpec(
    String path, String host, Duration interval, Duration timeout,
    List<StatusRange> expectedStatuses, Kind kind, String method, String bodyContains,
    String service, SendExpect sendExpect) {

  /** How much of a response body a probe reads looking for {@link #bodyContains}. */
  public static final int MAX_BODY = 64 * 1024;
  /** The longest {@link #service} name, in characters. */
  public static final int MAX_SERVICE = 1024;
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}");

  /** What a probe does. */
  public enum Kind {
    /** Connect, send {@code GET path}, pass on an expected status. */
    HTTP,
    /**
     * Pass when a TCP connection is accepted within the timeout, and, with
     * {@link #sendExpect}, when the backend answers what it says.
     */
    TCP,
    /** Call {@code grpc.health.v1.Health/Check} over HTTP/2, pass on SERVING. */
    GRPC
  }

  /** A check that sends nothing of its own on a TCP connection. */
  public HealthCheckSpec(String path, String host, Duration interval, Duration timeout,
      List<StatusRange> expectedStatuses, Kind kind, String method, String bodyContains,
      String service) {
    this(path, host, interval, timeout, expectedStatuses, kind, method, bodyContains, service,
        null);
  }

  /** A check without a gRPC service. */
  public HealthCheckSpec(String path, String host, Duration interval, Duration timeout,
      List<StatusRange> expectedStatuses, Kind kind, String method, String bodyContains) {
    this(path, host, interval, timeout, expectedStatuses, kind, method, bodyContains, "");
  }

  /** A GET check judged by status only, or a TCP check. */
  public HealthCheckSpec(String path, String host, Duration interval, Duration timeout,
      List<StatusRange> expectedStatuses, Kind kind) {
    this(path, host, interval, timeout, expectedStatuses, kind, "GET", null);
  }

  /** An HTTP GET check judged by status only. */
  public HealthCheckSpec(String path, String host, Duration interval, Duration timeout,
      List<StatusRange> expectedStatuses) {
    this(path, host, interval, timeout, expectedStatuses, Kind.HTTP);
  }

  /** An HTTP check with its method and, when not null, a text the body must contain. */
  public static HealthCheckSpec http(String path, String host, String method,
      List<StatusRange> expectedStatuses, String bodyContains, Duration interval,
      Duration timeout) {
    return new HealthCheckSpec(path, host, interval, timeout, expectedStatuses, Kind.HTTP, method,
        bodyContains);
  }

  /** A TCP connect check every {@code interval}, timing out after {@code timeout}. */
  public static HealthCheckSpec tcp(Duration interval, Duration timeout) {
    return new HealthCheckSpec("/", null, interval, timeout, DEFAULT_STATUSES, Kind.TCP);
  }

  /**
   * A TCP check that sends and expects ({@code talk}), or a bare connect when {@code talk} is
   * null.
   */
  public static HealthCheckSpec tcp(Duration interval, Duration timeout, SendExpect talk) {
    return new HealthCheckSpec("/", null, interval, timeout, DEFAULT_STATUSES, Kind.TCP, "GET",
        null, "", talk);
  }

  /** A gRPC health check of {@code service} ("" for the whole server). */
  public static HealthCheckSpec grpc(String service, Duration interval, Duration timeout) {
    return new HealthCheckSpec("/", null, interval, timeout, DEFAULT_STATUSES, Kind.GRPC, "GET",
        null, service);
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
    Objects.requireNonNull(method, "method");
    if (!TOKEN.matcher(method).matches() || method.equalsIgnoreCase("CONNECT")) {
      throw new IllegalArgumentException("method: \"" + method
          + "\" (expected: an HTTP method token such as GET, HEAD or OPTIONS; not CONNECT)");
    }
    if (bodyContains != null) {
      if (bodyContains.isEmpty() || bodyContains.length() > MAX_BODY) {
        throw new IllegalArgumentException("bodyContains: " + bodyContains.length()
            + " characters (expected: 1.." + MAX_BODY + ")");
      }
      if (method.equals("HEAD")) {
        throw new IllegalArgumentException("bodyContains: set with method HEAD"
            + " (expected: a method whose answer has a body, such as GET)");
      }
      if (kind != Kind.HTTP) {
        throw new IllegalArgumentException(
            "bodyContains: set on a " + kind + " check (expected: HTTP only)");
      }
    }
    Objects.requireNonNull(service, "service");
    if (!service.isEmpty() && kind != Kind.GRPC) {
      throw new IllegalArgumentException(
          "service: \"" + service + "\" on a " + kind + " check (expected: GRPC only)");
    }
    if (sendExpect != null && kind != Kind.TCP) {
      throw new IllegalArgumentException(
          "sendExpect: set on a " + kind + " check (expected: TCP only)");
    }
    if (service.length() > MAX_SERVICE || service.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException("service: " + service.length() + " characters"
          + " (expected: at most " + MAX_SERVICE + ", no control characters)");
    }
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
