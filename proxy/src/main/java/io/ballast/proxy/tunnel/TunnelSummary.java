package io.ballast.proxy.tunnel;

import java.util.Objects;

/**
 * One tunnel, told once when both of its connections have closed. Immutable.
 *
 * @param bytesFromClient bytes the client sent through the tunnel (relayed to the backend, or
 *     read and dropped once the tunnel was ending)
 * @param bytesFromBackend bytes the backend sent through the tunnel
 * @param durationNanos from the tunnel's start to its last close
 * @param end why it ended
 */
public record TunnelSummary(
    long bytesFromClient, long bytesFromBackend, long durationNanos, TunnelEnd end) {
  public TunnelSummary {
    if (bytesFromClient < 0 || bytesFromBackend < 0 || durationNanos < 0) {
      throw new IllegalArgumentException("bytes and duration: " + bytesFromClient + ", "
          + bytesFromBackend + ", " + durationNanos + " (expected: >= 0)");
    }
    Objects.requireNonNull(end, "end");
  }
}
