package io.ballast.proxy.signals;

import io.ballast.core.signal.PrometheusGauge;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How a pool scrapes each backend's Prometheus endpoint: {@code GET path} over HTTP/1.1 to the
 * backend's host at {@code port}, and which gauges become which figures. Immutable.
 *
 * @param port 1..65535
 * @param path request target, starting with '/'
 * @param interval time between two scrapes of one backend (each jittered by ±10%), > 0
 * @param timeout how long connecting and the whole response may take, > 0
 * @param gauges at least one; figure names unique
 */
public record PrometheusScrapeSpec(int port, String path, Duration interval, Duration timeout,
    List<PrometheusGauge> gauges) {
  public static final String DEFAULT_PATH = "/metrics";
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
  /** The largest page read; a longer one is refused (stale), not truncated. */
  public static final int MAX_BODY = 1024 * 1024;

  public PrometheusScrapeSpec {
    SignalsSpec.checkPort(port);
    Objects.requireNonNull(path, "path");
    if (!path.startsWith("/") || !path.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
      throw new IllegalArgumentException("path: \"" + path
          + "\" (expected: starting with /, no spaces or control characters)");
    }
    SignalsSpec.checkPositive("interval", interval);
    SignalsSpec.checkPositive("timeout", timeout);
    gauges = List.copyOf(gauges);
    if (gauges.isEmpty()) {
      throw new IllegalArgumentException("gauges: [] (expected: at least one gauge)");
    }
    Set<String> figures = new HashSet<>();
    for (PrometheusGauge g : gauges) {
      if (!figures.add(g.figure())) {
        throw new IllegalArgumentException("gauges: figure '" + g.figure()
            + "' given twice (expected: one gauge per figure)");
      }
    }
  }

  @Override
  public String toString() {
    return "prometheus on port " + port + path + " every " + interval.toMillis() + " ms ("
        + gauges + ")";
  }
}
