package io.ballast.proxy.signals;

import io.ballast.proxy.http1.HeaderRewriter;
import io.ballast.proxy.signals.AgentCheckSpec;
import io.netty.util.AsciiString;
import java.time.Duration;
import java.util.Objects;

/**
 * Where one pool's backends report their own load: a response header, an agent, a Prometheus
 * endpoint, each optional. Immutable.
 *
 * @param loadReportHeader name of the load-report response header read (and always stripped)
 *     from every response, or null when the pool reads none (then nothing is looked up)
 * @param agent the agent check, or null
 * @param prometheus the Prometheus scrape, or null
 * @param applyAgentWeights whether an agent's weight percentage goes straight to the pool's
 *     effective weights; off for a pool whose weight controller reads the signals and decides
 * @param staleAfter how old a report may be before the weight controller stops trusting it;
 *     carried for the controller (see {@link #defaultStaleAfter})
 */
public record SignalsSpec(String loadReportHeader, AgentCheckSpec agent,
    PrometheusScrapeSpec prometheus, boolean applyAgentWeights, Duration staleAfter) {
  public static final String DEFAULT_HEADER = "X-Load-Report";
  /** Stale-after when only the header reports (it has no interval of its own). */
  public static final Duration HEADER_ONLY_STALE_AFTER = Duration.ofSeconds(30);

  public SignalsSpec {
    if (loadReportHeader != null
        && (loadReportHeader.isEmpty() || !HeaderRewriter.isToken(loadReportHeader))) {
      throw new IllegalArgumentException("loadReportHeader: \"" + loadReportHeader
          + "\" (expected: a header name such as " + DEFAULT_HEADER + ")");
    }
    checkPositive("staleAfter", staleAfter);
  }

  /** No source at all. */
  public static final SignalsSpec NONE = new SignalsSpec(null, null, null, true,
      HEADER_ONLY_STALE_AFTER);

  /** 3 × the slowest polling interval, or {@link #HEADER_ONLY_STALE_AFTER} without pollers. */
  public static Duration defaultStaleAfter(AgentCheckSpec agent, PrometheusScrapeSpec prometheus) {
    Duration slowest = Duration.ZERO;
    if (agent != null) {
      slowest = agent.interval();
    }
    if (prometheus != null && prometheus.interval().compareTo(slowest) > 0) {
      slowest = prometheus.interval();
    }
    return slowest.isZero() ? HEADER_ONLY_STALE_AFTER : slowest.multipliedBy(3);
  }

  /** This spec with agent weights applied directly ({@code true}) or left to a controller. */
  public SignalsSpec withApplyAgentWeights(boolean apply) {
    return new SignalsSpec(loadReportHeader, agent, prometheus, apply, staleAfter);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    if (loadReportHeader != null) {
      sb.append("header ").append(loadReportHeader).append(", ");
    }
    if (agent != null) {
      sb.append(agent).append(applyAgentWeights ? " (weights applied), " : " (weights to the"
          + " controller), ");
    }
    if (prometheus != null) {
      sb.append(prometheus).append(", ");
    }
    return sb.append("stale after ").append(staleAfter.toMillis()).append(" ms").toString();
  }

  /** True when any source is configured. */
  public boolean any() {
    return loadReportHeader != null || agent != null || prometheus != null;
  }

  AsciiString headerName() {
    return loadReportHeader == null ? null : AsciiString.cached(loadReportHeader);
  }

  public static void checkPort(int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
    }
  }

  public static void checkPositive(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
    }
  }
}
