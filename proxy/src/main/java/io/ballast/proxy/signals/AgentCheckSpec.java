package io.ballast.proxy.signals;

import io.ballast.proxy.signals.SignalsSpec;
import java.time.Duration;

/**
 * How a pool asks each backend's agent for its state (HAProxy's agent-check): a TCP connection to
 * the backend's host at {@code port}, optionally {@code send} written after connecting, then one
 * line read (see {@link io.ballast.core.signal.AgentReplyFormat}). Immutable.
 *
 * @param port the agent's port on the backend's host, 1..65535
 * @param interval time between two checks of one backend (each jittered by ±10%), > 0
 * @param timeout how long connecting and the reply may take, > 0
 * @param send text written after connecting, as is (include the line end the agent expects), or
 *     null to send nothing
 */
public record AgentCheckSpec(int port, Duration interval, Duration timeout, String send) {
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
  /** The longest {@link #send} text. */
  public static final int MAX_SEND = 1024;

  public AgentCheckSpec {
    SignalsSpec.checkPort(port);
    SignalsSpec.checkPositive("interval", interval);
    SignalsSpec.checkPositive("timeout", timeout);
    if (send != null && (send.isEmpty() || send.length() > MAX_SEND)) {
      throw new IllegalArgumentException("send: " + send.length() + " characters (expected: 1.."
          + MAX_SEND + ", or none)");
    }
  }

  /** An agent on {@code port} with the default interval and timeout, sending nothing. */
  public static AgentCheckSpec of(int port) {
    return new AgentCheckSpec(port, DEFAULT_INTERVAL, DEFAULT_TIMEOUT, null);
  }

  @Override
  public String toString() {
    return "agent on port " + port + " every " + interval.toMillis() + " ms (timeout "
        + timeout.toMillis() + " ms" + (send == null ? ")" : ", sends "
        + send.length() + " characters)");
  }
}
