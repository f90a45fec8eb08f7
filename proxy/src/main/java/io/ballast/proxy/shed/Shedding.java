package io.ballast.proxy.shed;

import io.ballast.core.shed.ConcurrencyLimiter;
import io.ballast.core.shed.Priority;
import io.ballast.core.shed.WaitingLine;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A pool's load shedding as its requests meet it: the pool's {@link ConcurrencyLimiter} and how a
 * request's class is told. A route named in {@code routes} gives its requests that class;
 * otherwise the value of {@code priorityHeader} ({@code critical}, {@code default} or
 * {@code sheddable}, any case) does; otherwise the request is {@link Priority#DEFAULT}. The route
 * wins over the header, so a client cannot raise the class of a route the operator marked
 * sheddable. An unknown header value counts as default.
 *
 * <p>Immutable and thread-safe; {@link #classify} allocates nothing.
 *
 * @param limiter the pool's limiter (the same one for the pool's life: requests in flight
 *     release into it across reloads)
 * @param priorityHeader the request header that names a class, or null
 * @param routes classes by route name
 * @param line where a request that meets the limit waits for a place, or null: refused at once
 * @param maxWait how long a request waits in {@code line} before it is refused; with a line only
 */
public record Shedding(ConcurrencyLimiter limiter, AsciiString priorityHeader,
    Map<String, Priority> routes, WaitingLine line, Duration maxWait) {
  public Shedding {
    Objects.requireNonNull(limiter, "limiter");
    routes = Map.copyOf(routes);
    if (line != null) {
      if (line.limiter() != limiter) {
        throw new IllegalArgumentException("line: of another limiter (" + line + ")");
      }
      if (maxWait == null || maxWait.isNegative() || maxWait.isZero()) {
        throw new IllegalArgumentException("maxWait: " + maxWait + " (expected: > 0)");
      }
    }
  }

  /** Shedding whose refused requests never wait. */
  public Shedding(ConcurrencyLimiter limiter, AsciiString priorityHeader,
      Map<String, Priority> routes) {
    this(limiter, priorityHeader, routes, null, null);
  }

  /** The class of a request on route {@code route} with {@code headers}. */
  public Priority classify(String route, HttpHeaders headers) {
    Priority byRoute = route == null || routes.isEmpty() ? null : routes.get(route);
    if (byRoute != null) {
      return byRoute;
    }
    if (priorityHeader != null) {
      Priority p = Priority.byLabel(headers.get(priorityHeader));
      if (p != null) {
        return p;
      }
    }
    return Priority.DEFAULT;
  }
}
