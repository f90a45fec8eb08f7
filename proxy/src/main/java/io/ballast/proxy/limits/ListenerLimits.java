package io.ballast.proxy.limits;

/**
 * What one listener's connections may take: how many may be open at once, in all and from one
 * client address, and how many requests one connection carries. {@link #NONE} is no limit.
 *
 * <p>Immutable and validated at construction.
 *
 * @param maxConnections connections open at once; at the limit the listener stops accepting, so
 *     that new connections wait in the kernel's accept backlog, and accepts again when one closes
 * @param maxConnectionsPerClient connections open at once from one client address (the
 *     connection's own peer; a trusted proxy is not limited); one more is closed as it is accepted
 * @param maxRequestsPerConnection requests one connection carries: on HTTP/1.1 the last one's
 *     response says {@code Connection: close} and the connection closes after it; on HTTP/2 the
 *     connection sends GOAWAY once that many streams were opened, and its streams in flight finish
 */
public record ListenerLimits(int maxConnections, int maxConnectionsPerClient,
    int maxRequestsPerConnection) {
  /** No limit. */
  public static final int NONE = Integer.MAX_VALUE;
  /** No limit on anything: connections are bounded by the process's file descriptors only. */
  public static final ListenerLimits DEFAULTS = new ListenerLimits(NONE, NONE, NONE);

  public ListenerLimits {
    atLeastOne("maxConnections", maxConnections);
    atLeastOne("maxConnectionsPerClient", maxConnectionsPerClient);
    atLeastOne("maxRequestsPerConnection", maxRequestsPerConnection);
  }

  private static void atLeastOne(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= 1, or NONE)");
    }
  }

  /** "max_connections 1000, per client none, requests per connection 100". */
  @Override
  public String toString() {
    return "max_connections " + text(maxConnections) + ", per client "
        + text(maxConnectionsPerClient) + ", requests per connection "
        + text(maxRequestsPerConnection);
  }

  private static String text(int limit) {
    return limit == NONE ? "none" : Integer.toString(limit);
  }
}
