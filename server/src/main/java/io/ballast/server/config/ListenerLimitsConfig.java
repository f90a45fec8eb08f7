package io.ballast.server.config;

import io.ballast.proxy.limits.ListenerLimits;
import io.ballast.proxy.routing.RouteSpec;
import java.util.Objects;

/**
 * A listener's own limits ({@code listeners[].limits}): its connections, and the request body of
 * its routes that set none of their own. Immutable.
 *
 * @param connections how many connections at once, from one client address, and requests per
 *     connection ({@link ListenerLimits#NONE}: none)
 * @param maxRequestBody the largest request body, in bytes, {@code 0..}{@value #MAX_BODY};
 *     {@link RouteSpec#NO_BODY_LIMIT} for none
 */
public record ListenerLimitsConfig(ListenerLimits connections, long maxRequestBody) {
  /** 1 TiB: beyond it a limit means none. */
  public static final long MAX_BODY = 1L << 40;
  public static final int MAX_CONNECTIONS = 10_000_000;
  public static final int MAX_REQUESTS = 1_000_000_000;
  /** No limit on anything. */
  public static final ListenerLimitsConfig DEFAULTS =
      new ListenerLimitsConfig(ListenerLimits.DEFAULTS, RouteSpec.NO_BODY_LIMIT);

  public ListenerLimitsConfig {
    Objects.requireNonNull(connections, "connections");
    if (maxRequestBody < 0
        || maxRequestBody > MAX_BODY && maxRequestBody != RouteSpec.NO_BODY_LIMIT) {
      throw new IllegalArgumentException("maxRequestBody: " + maxRequestBody + " (expected: 0.."
          + MAX_BODY + ", or none)");
    }
  }
}
