package io.ballast.proxy.discovery;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A changed member list of one DNS backend entry, as handed to a {@link DnsListener}.
 *
 * <p>Immutable.
 *
 * @param spec the entry that was looked up
 * @param members every member now, ordered by name; never empty (a lookup that finds nothing keeps
 *     the previous list and is counted as a failure instead)
 * @param ttlSeconds the smallest TTL of the records that gave these members (SRV, CNAME and
 *     address records alike), as the nameserver reported it
 * @param refresh the TTL bounded by min_refresh and max_refresh: when the next lookup comes
 * @param nextRefresh the wall-clock time of the next lookup, for logs and the admin view
 */
public record DnsUpdate(
    DnsBackendSpec spec, List<DnsMember> members, long ttlSeconds, Duration refresh,
    Instant nextRefresh) {

  public DnsUpdate {
    Objects.requireNonNull(spec, "spec");
    members = List.copyOf(members);
    Objects.requireNonNull(refresh, "refresh");
    Objects.requireNonNull(nextRefresh, "nextRefresh");
    if (ttlSeconds < 0) {
      throw new IllegalArgumentException("ttlSeconds: " + ttlSeconds + " (expected: >= 0)");
    }
  }

  @Override
  public String toString() {
    return spec + ": " + members.size() + " members " + members + ", ttl " + ttlSeconds
        + " s, next lookup in " + refresh.toMillis() + " ms at " + nextRefresh;
  }
}
