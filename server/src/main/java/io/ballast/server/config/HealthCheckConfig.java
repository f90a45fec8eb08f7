package io.ballast.server.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How one level of active health checks probes a pool's backends. Immutable.
 *
 * @param tcp true for a connect-only check; then path, host, expectedStatus, method and
 *     bodyContains are unused, as they are for a gRPC check
 * @param path the request path, starting with "/"
 * @param host the Host header of probes; empty means the backend's address
 * @param interval time between probes of one backend, > 0
 * @param timeout how long a probe may take, > 0 and <= interval (a probe never overlaps the next)
 * @param expectedStatus the status codes that count as passing
 * @param rise passing probes in a row that bring a backend back, >= 1
 * @param fall failing probes in a row that take a backend out, >= 1
 * @param method the HTTP method of probes, a token (GET by default)
 * @param bodyContains a text the response body must contain (in its first 64 KiB); empty means
 *     the status alone decides
 * @param grpcService present exactly for a gRPC check ({@code type: grpc}): the service its
 *     probes ask grpc.health.v1 about, "" for the server as a whole
 * @param sendExpect for a tcp check that talks: what it sends once connected and what the
 *     answer must contain or match ({@code send}, {@code expect}, {@code expect_regex}); empty
 *     for a bare connect and the other types
 */
public record HealthCheckConfig(
    boolean tcp,
    String path,
    Optional<String> host,
    Duration interval,
    Duration timeout,
    StatusRanges expectedStatus,
    int rise,
    int fall,
    String method,
    Optional<String> bodyContains,
    Optional<String> grpcService,
    Optional<io.ballast.proxy.probe.SendExpect> sendExpect) {
  public static final String DEFAULT_METHOD = "GET";

  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
  public static final int DEFAULT_RISE = 2;
  public static final int DEFAULT_FALL = 3;

  public HealthCheckConfig {
    Objects.requireNonNull(path, "path");
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("path: '" + path + "' (expected: a path starting with '/')");
    }
    Objects.requireNonNull(host, "host");
    Checks.positive("interval", interval);
    Checks.positive("timeout", timeout);
    if (timeout.compareTo(interval) > 0) {
      throw new IllegalArgumentException("timeout: " + Units.format(timeout)
          + " (expected: <= interval " + Units.format(interval) + ")");
    }
    Objects.requireNonNull(expectedStatus, "expectedStatus");
    Checks.range("rise", rise, 1, Integer.MAX_VALUE);
    Checks.range("fall", fall, 1, Integer.MAX_VALUE);
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(bodyContains, "bodyContains");
    Objects.requireNonNull(grpcService, "grpcService");
    if (tcp && grpcService.isPresent()) {
      throw new IllegalArgumentException("grpcService: set on a tcp check (expected: grpc only)");
    }
    Objects.requireNonNull(sendExpect, "sendExpect");
    if (!tcp && sendExpect.isPresent()) {
      throw new IllegalArgumentException("sendExpect: set on a check that is not tcp"
          + " (expected: tcp only)");
    }
  }

  /** A check that sends nothing of its own over TCP. */
  public HealthCheckConfig(boolean tcp, String path, Optional<String> host, Duration interval,
      Duration timeout, StatusRanges expectedStatus, int rise, int fall, String method,
      Optional<String> bodyContains, Optional<String> grpcService) {
    this(tcp, path, host, interval, timeout, expectedStatus, rise, fall, method, bodyContains,
        grpcService, Optional.empty());
  }

  /** An HTTP or TCP check. */
  public HealthCheckConfig(boolean tcp, String path, Optional<String> host, Duration interval,
      Duration timeout, StatusRanges expectedStatus, int rise, int fall, String method,
      Optional<String> bodyContains) {
    this(tcp, path, host, interval, timeout, expectedStatus, rise, fall, method, bodyContains,
        Optional.empty());
  }

  /** True for a gRPC health check. */
  public boolean grpc() {
    return grpcService.isPresent();
  }

  /** A check without method or body text: GET, judged by status. */
  public HealthCheckConfig(boolean tcp, String path, Optional<String> host, Duration interval,
      Duration timeout, StatusRanges expectedStatus, int rise, int fall) {
    this(tcp, path, host, interval, timeout, expectedStatus, rise, fall, DEFAULT_METHOD,
        Optional.empty());
  }
}
