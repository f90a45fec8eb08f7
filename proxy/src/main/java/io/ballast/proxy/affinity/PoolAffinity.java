package io.ballast.proxy.affinity;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Scheduler;
import io.ballast.core.affinity.SessionAffinity;
import io.ballast.core.affinity.SessionCookieCodec;
import io.ballast.core.attempt.Attempts;
import io.ballast.core.decision.DecisionLog;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.proxy.client.ClientAddress;
import io.ballast.proxy.client.HashKey;
import io.ballast.proxy.client.HashKeys;
import io.ballast.proxy.client.TrustedProxies;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * One pool's session affinity as the proxy runs it: recognises a request's session by the pool's
 * {@link AffinitySpec.Strategy strategy}, finds its pin (in the sealed cookie, or in the sticky
 * table), lets {@link SessionAffinity} decide whether the pin holds, and records a new pin once
 * the chosen backend answered (a Set-Cookie on the response, or a table entry).
 *
 * <p>The request's view is a {@link Session}, one per client connection, reused: resolving a
 * session that keeps its pin allocates nothing beyond reading the headers (the cookie's value is
 * opened in place of a copy only after it is found; the sticky table's key is a long).
 *
 * <p>A cookie that does not open (damaged, altered, sealed for another pool or cookie name,
 * expired, or sealed with a key no longer configured) is never trusted: the request is a new
 * session, and the rejection is counted by reason ({@link #rejectedCookies}). Ballast's cookie is
 * removed from the request before it goes to the backend: the pin is ballast's business.
 *
 * <p>Thread-safe: the sticky table and counters are concurrent, the codec is thread-safe, and a
 * {@link Session} belongs to one event loop. {@link #close()} stops the pool's rebalancer.
 */
public final class PoolAffinity implements AutoCloseable {
  private final AffinitySpec spec;
  private final SessionAffinity sessions;
  private final SessionCookieCodec codec;
  private final StickyTable table;
  private final HashKey.ClientIp clientIp;
  private final String cookieName;
  private final String cookieSuffix;
  private final long pinLifetimeSeconds;
  private final LongAdder[] rejected = new LongAdder[SessionCookieCodec.Reason.values().length];
  private final LongAdder cookiesSet = new LongAdder();

  /**
   * @param sessions the pool's affinity decisions (and rebalancer), which this closes
   * @param spec the strategy; not {@link AffinitySpec.Strategy#HASH}, whose memory is the pool's
   *     hash algorithm and needs nothing here
   */
  public PoolAffinity(SessionAffinity sessions, AffinitySpec spec) {
    this.sessions = Objects.requireNonNull(sessions, "sessions");
    this.spec = Objects.requireNonNull(spec, "spec");
    if (spec.strategy() == AffinitySpec.Strategy.HASH) {
      throw new IllegalArgumentException("strategy: hash (expected: cookie, ip or header; the hash"
          + " strategy is the pool's hash algorithm)");
    }
    String pool = sessions.pool().name();
    AffinitySpec.Cookie c = spec.cookie();
    this.codec = c == null ? null : new SessionCookieCodec(c.keyBytes(), pool, c.name());
    this.cookieName = c == null ? null : c.name();
    this.cookieSuffix = c == null ? null : attributes(c);
    this.pinLifetimeSeconds = c == null ? 0 : c.pinLifetime().getSeconds();
    this.table = spec.usesTable() ? new StickyTable(spec.tableSize(), spec.tableIdle()) : null;
    this.clientIp = spec.clientIp();
    for (int i = 0; i < rejected.length; i++) {
      rejected[i] = new LongAdder();
    }
  }

  /**
   * Affinity for {@code pool} with its rebalancer (when the spec enables one) started on the
   * pool's control loop, writing its moves to {@code decisions}.
   */
  public static PoolAffinity start(LoadBalancer pool, AffinitySpec spec, Scheduler scheduler,
      DecisionLog decisions) {
    return new PoolAffinity(
        SessionAffinity.start(pool, spec.settings(), scheduler, decisions), spec);
  }

  /** The Set-Cookie attributes after the value, written once. */
  private static String attributes(AffinitySpec.Cookie c) {
    StringBuilder b = new StringBuilder();
    if (c.path() != null) {
      b.append("; Path=").append(c.path());
    }
    if (c.domain() != null) {
      b.append("; Domain=").append(c.domain());
    }
    if (c.maxAge() != null) {
      b.append("; Max-Age=").append(c.maxAge().getSeconds());
    }
    if (c.secure()) {
      b.append("; Secure");
    }
    if (c.httpOnly()) {
      b.append("; HttpOnly");
    }
    if (c.sameSite() != null) {
      b.append("; SameSite=").append(c.sameSite());
    }
    return b.toString();
  }

  /**
   * One request's session: where it was found, its pin, and how its attempts pick (as an
   * {@link Attempts.Chooser}: the pin while it can serve, else by the pool's rule, or nothing
   * under strict affinity). Immutable; made once per request of a sticky pool.
   *
   * @param affinity the pool's affinity
   * @param kind where the session lives: nowhere (a request without a session), a cookie, or the
   *     sticky table
   * @param pinned the session's backend before this request, or null for a new (or rejected)
   *     session
   * @param key the table key, or for a cookie session a hash of its sealed value
   * @param reissue a cookie pin past half its lifetime: sealed again even if the backend stays
   * @param strict true answers "unavailable" rather than move a session whose backend is gone
   */
  public record Session(PoolAffinity affinity, Kind kind, Backend pinned, long key, boolean reissue,
      boolean strict) implements Attempts.Chooser {
    enum Kind { NONE, COOKIE, TABLE }

    /**
     * The backend for one attempt of the session's request: its pin while it can serve; else
     * (soft) another by the pool's rule under the load bound, or (strict) no backend with
     * {@link PickResult.Reason#PINNED_UNAVAILABLE}. A request without a session goes to the
     * pool's picker.
     */
    @Override
    public PickResult choose(PickContext ctx) {
      SessionAffinity sessions = affinity.sessions;
      if (kind == Kind.NONE) {
        return sessions.pool().picker().pick(ctx);
      }
      return sessions.pick(ctx, pinned, key, strict);
    }
  }

  /**
   * Finds the request's session and its pin, and takes ballast's cookie out of the request.
   * Called once per request on its event loop, with the request as the client sent it.
   */
  public Session resolve(HttpRequest request, ClientAddress client, TrustedProxies trusted,
      long nowSeconds, boolean strict) {
    return switch (spec.strategy()) {
      case COOKIE -> fromCookie(request, nowSeconds, strict);
      case IP -> fromTable(HashKeys.key(clientIp, request, client, trusted), strict);
      case HEADER -> {
        String value = request.headers().get(spec.header());
        if (value != null) {
          yield fromTable(HashKeys.hash(value, 0, value.length()), strict);
        } else if (spec.fallback() == AffinitySpec.Strategy.COOKIE) {
          yield fromCookie(request, nowSeconds, strict);
        } else if (spec.fallback() == AffinitySpec.Strategy.IP) {
          yield fromTable(HashKeys.key(clientIp, request, client, trusted), strict);
        }
        yield new Session(this, Session.Kind.NONE, null, 0, false, strict);
      }
      default -> new Session(this, Session.Kind.NONE, null, 0, false, strict);
    };
  }

  private Session fromTable(long key, boolean strict) {
    return new Session(this, Session.Kind.TABLE, table.get(key), key, false, strict);
  }

  private Session fromCookie(HttpRequest request, long nowSeconds, boolean strict) {
    HttpHeaders headers = request.headers();
    List<String> all = headers.getAll(HttpHeaderNames.COOKIE);
    for (int i = 0; i < all.size(); i++) {
      String header = all.get(i);
      long range = HashKeys.cookieRange(header, cookieName);
      if (range < 0) {
        continue;
      }
      int from = (int) (range >>> 32);
      int to = (int) range;
      Backend pinned = null;
      boolean reissue = false;
      SessionCookieCodec.Opened opened = codec.open(header.substring(from, to), nowSeconds);
      if (opened instanceof SessionCookieCodec.Opened.Valid v) {
        pinned = sessions.backend(v.backend());
        // Sliding expiry: a pin past half its life is sealed again on this answer.
        reissue = v.expiresAtSeconds() - nowSeconds < pinLifetimeSeconds / 2;
      } else if (opened instanceof SessionCookieCodec.Opened.Rejected r) {
        rejected[r.reason().ordinal()].increment();
      }
      long key = HashKeys.hash(header, from, to);
      strip(headers, all, i);
      return new Session(this, Session.Kind.COOKIE, pinned, key, reissue, strict);
    }
    // A new session: its hash only decides which sessions a rebalancer sheds.
    return new Session(this, Session.Kind.COOKIE, null, HashKeys.random(), false, strict);
  }

  /** Removes ballast's cookie (every occurrence) from the Cookie headers. */
  private void strip(HttpHeaders headers, List<String> all, int first) {
    StringBuilder kept = new StringBuilder();
    headers.remove(HttpHeaderNames.COOKIE);
    for (int i = 0; i < all.size(); i++) {
      String header = all.get(i);
      if (i < first) {
        headers.add(HttpHeaderNames.COOKIE, header);
        continue;
      }
      kept.setLength(0);
      int at = 0;
      int n = header.length();
      while (at < n) {
        int end = header.indexOf(';', at);
        if (end < 0) {
          end = n;
        }
        int start = at;
        while (start < end && header.charAt(start) == ' ') {
          start++;
        }
        boolean ours = end - start > cookieName.length()
            && header.regionMatches(start, cookieName, 0, cookieName.length())
            && header.charAt(start + cookieName.length()) == '=';
        if (!ours && start < end) {
          if (kept.length() > 0) {
            kept.append("; ");
          }
          kept.append(header, start, end);
        }
        at = end + 1;
      }
      if (kept.length() > 0) {
        headers.add(HttpHeaderNames.COOKIE, kept.toString());
      }
    }
  }

  /**
   * The session's request was answered by {@code backend}: a new pin is recorded, as a
   * Set-Cookie on {@code response} or in the sticky table. Event loop; before the response head
   * is written.
   */
  public void answered(Session s, Backend backend, HttpHeaders response, long nowSeconds) {
    if (s.kind() == Session.Kind.NONE) {
      return;
    }
    boolean changed = s.pinned() == null || !s.pinned().name().equals(backend.name());
    if (s.kind() == Session.Kind.TABLE) {
      if (changed) {
        table.put(s.key(), backend);
      }
    } else if (s.kind() == Session.Kind.COOKIE && (changed || s.reissue())) {
      response.add(HttpHeaderNames.SET_COOKIE, cookieName + '='
          + codec.seal(backend.name(), nowSeconds, pinLifetimeSeconds) + cookieSuffix);
      cookiesSet.increment();
    }
  }

  public AffinitySpec spec() {
    return spec;
  }

  public SessionAffinity sessions() {
    return sessions;
  }

  /** The pool's sticky table, or null for the cookie strategy (the pin lives in the cookie). */
  public StickyTable table() {
    return table;
  }

  /** Cookies ignored since the start, by why; thread-safe. */
  public long rejectedCookies(SessionCookieCodec.Reason reason) {
    return rejected[reason.ordinal()].sum();
  }

  /** Affinity cookies set (new pins, moved sessions and reissues) since the start. */
  public long cookiesSet() {
    return cookiesSet.sum();
  }

  /** True for routes that do not say: the pool's default. */
  public boolean strictByDefault() {
    return spec.settings().strict();
  }

  @Override
  public void close() {
    sessions.close();
    if (table != null) {
      table.clear();
    }
  }

  @Override
  public String toString() {
    return "PoolAffinity[pool=" + sessions.pool().name() + ", by=" + spec.strategy().configName()
        + (spec.strategy() == AffinitySpec.Strategy.HEADER ? " " + spec.header() + ", fallback "
            + (spec.fallback() == null ? "none" : spec.fallback().configName()) : "")
        + "]";
  }
}
