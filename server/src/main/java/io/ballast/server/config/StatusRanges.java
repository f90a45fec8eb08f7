package io.ballast.server.config;

import io.ballast.proxy.probe.StatusRange;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The status codes a health check accepts: one or more {@link StatusRange}s. Immutable, so it is
 * safe to share with the probe I/O threads.
 */
public record StatusRanges(List<StatusRange> ranges) {
  /** 200-399: success and redirects, as most load balancers accept by default. */
  public static final StatusRanges DEFAULT = new StatusRanges(List.of(new StatusRange(200, 399)));

  public StatusRanges {
    ranges = List.copyOf(Objects.requireNonNull(ranges, "ranges"));
    if (ranges.isEmpty()) {
      throw new IllegalArgumentException("ranges: [] (expected: at least one range)");
    }
  }

  public boolean contains(int status) {
    for (StatusRange range : ranges) {
      if (range.contains(status)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return ranges.stream().map(StatusRange::toString).collect(Collectors.joining(","));
  }
}
