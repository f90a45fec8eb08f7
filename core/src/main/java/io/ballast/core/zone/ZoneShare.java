package io.ballast.core.zone;

import java.time.Duration;
import java.util.Objects;

/**
 * One line of a client zone's spill plan: the share of that zone's clients' new requests that go
 * to {@code zone}, and the round-trip time from the clients' zone to it.
 *
 * <p>Immutable. Worked example: clients in eu/eu-1a whose zone has 3 of 5 backends up under a
 * 70% minimum get {@code [eu/eu-1a 0.857 0 ms, eu/eu-1b 0.143 2 ms]}.
 *
 * @param zone where the requests go
 * @param share the fraction of the clients' requests, in (0, 1]
 * @param latency the round-trip time from the clients' zone to {@code zone} (0 for their own)
 */
public record ZoneShare(Locality zone, double share, Duration latency) {
  public ZoneShare {
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(latency, "latency");
    if (!(share > 0 && share <= 1 + 1e-9)) {
      throw new IllegalArgumentException("share: " + share + " (expected: > 0 and <= 1)");
    }
  }

  @Override
  public String toString() {
    return zone + " " + ZoneFormat.percent(share) + " (" + ZoneFormat.millis(latency) + ")";
  }
}
