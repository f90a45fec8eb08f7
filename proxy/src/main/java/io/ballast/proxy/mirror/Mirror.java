package io.ballast.proxy.mirror;

import io.ballast.core.Backend;
import io.ballast.core.Ticker;
import io.ballast.core.attempt.AttemptListener;
import io.ballast.core.attempt.Attempts;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.retry.RetryBudgetSettings;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.retry.RetrySettings;
import io.ballast.proxy.http1.HeaderRewriter;
import io.ballast.proxy.proxyprotocol.ProxyHeaderWriter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Traffic mirroring for one route: copies a share of its requests to a shadow pool and throws the
 * answers away (Envoy's request mirroring, nginx's {@code mirror}).
 *
 * <h2>Use</h2>
 * The exchange serving a request asks {@link #sample()} once; when it says yes and the request
 * body is complete, it calls {@link #send} with a copy of the head and a retained duplicate of the
 * body. Everything else happens here.
 *
 * <h2>What the shadow receives</h2>
 * The head as given (method, URI, every end-to-end header in order, so the caller decides whether
 * forwarding and request-id headers are in it: a copy taken after the proxy's own rewrite gives
 * the shadow what the real backend saw), with these changes:
 * <ul>
 *   <li>Hop-by-hop fields are removed (Connection and every field it names, Keep-Alive,
 *       Proxy-Connection, Upgrade, Trailer, Transfer-Encoding; TE except {@code trailers}), and
 *       Expect: they describe the client's connection, not the copy's.
 *   <li>The body goes whole with a Content-Length, over HTTP/1.1 keep-alive; a chunked request
 *       arrives with a Content-Length instead, and request trailers are not copied.
 *   <li>The copy is marked in the Host header, as Envoy marks it: {@code -shadow} is appended to
 *       the host name, before any port ({@code api.example.com:8080} becomes
 *       {@code api.example.com-shadow:8080}); a request without Host gets the shadow backend's
 *       address so marked. A shadow tells copies from real traffic by this alone.
 * </ul>
 *
 * <h2>What a client can never notice</h2>
 * The copy runs on the caller's event loop but shares nothing with the real request once sent:
 * its own connections (never one of the proxy's pooled backend connections), its own timer, its
 * own buffers. Nothing about it reaches the exchange: {@link #send} returns at once, never throws,
 * and never blocks. A dead, slow or broken shadow costs at most {@code maxInFlight} connections and
 * {@code maxInFlight × maxBody} bytes per event loop until the spec's timeout ends each copy;
 * further copies are dropped, not queued. The copy's own body is read into nothing as it arrives.
 *
 * <h2>The shadow pool</h2>
 * Each copy is one attempt of the attempt protocol ({@link Attempts}) on the shadow pool, never
 * retried: the same code that runs a real request's attempts picks its backend, asks the backend's
 * gate (a breaker that refuses drops the copy), and tells the backend's load, outlier tracker and
 * circuit breaker how it went, and the pool about a failed connect. A shadow's outcomes never
 * touch the real pool.
 *
 * <h2>Counters</h2>
 * Every copy that {@link #sample()} chose ends in exactly one counter of {@link #stats()}: sent
 * and then completed (by status class) or failed (connect, timeout, reset), or dropped (body too
 * big, over {@code maxInFlight}, no backend). Requests not sampled are not counted.
 *
 * <p>Thread-safe: {@link #sample()} and {@link #send} may be called from any event loop, many at
 * once; each copy runs on the loop it was sent from, with per-loop connections and limits, and
 * the counters are {@link LongAdder}s.
 */
public final class Mirror implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Mirror.class);

  /** How a copy ended. */
  enum Outcome {
    COMPLETED, CONNECT_FAILED, TIMEOUT, RESET
  }

  /**
   * A copy is one attempt, never retried: the attempt protocol still picks it, asks the shadow
   * backend's gate, and tells its load, gate and outlier tracker how it went.
   */
  private static final RetrySettings ONE_ATTEMPT = new RetrySettings(1, Duration.ZERO,
      Duration.ZERO, Set.of(), Set.of(), 0, RetryBudgetSettings.DEFAULTS);

  private final MirrorSpec spec;
  private final RetryPolicy policy = new RetryPolicy(ONE_ATTEMPT, Ticker.SYSTEM);
  private final DoubleSupplier uniform;
  private final ConcurrentHashMap<EventLoop, MirrorConnections> loops =
      new ConcurrentHashMap<>();
  private volatile boolean closed;

  private final LongAdder sent = new LongAdder();
  /** Indexed by status class: [2] 2xx ... [5] 5xx ([0] and [1] unused: no final 1xx here). */
  private final LongAdder[] completed = new LongAdder[6];
  private final LongAdder failedConnect = new LongAdder();
  private final LongAdder failedTimeout = new LongAdder();
  private final LongAdder failedReset = new LongAdder();
  private final LongAdder droppedTooBig = new LongAdder();
  private final LongAdder droppedOverLimit = new LongAdder();
  private final LongAdder droppedNoBackend = new LongAdder();
  private final LongAdder inFlight = new LongAdder();

  public Mirror(MirrorSpec spec) {
    this(spec, () -> ThreadLocalRandom.current().nextDouble());
  }

  /** A mirror that samples with {@code uniform} (values in [0, 1), thread-safe): for tests. */
  public Mirror(MirrorSpec spec, DoubleSupplier uniform) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.uniform = Objects.requireNonNull(uniform, "uniform");
    for (int i = 0; i < completed.length; i++) {
      completed[i] = new LongAdder();
    }
  }

  /**
   * A sampled request whose body outgrew {@code maxBody} while it arrived: it is not copied, and
   * counted as too big. The caller stops keeping its body. Thread-safe.
   */
  public void droppedTooBig() {
    droppedTooBig.increment();
  }

  public MirrorSpec spec() {
    return spec;
  }

  LoadBalancer pool() {
    return spec.pool();
  }

  /**
   * Whether this request is to be copied: true for {@code percent} of calls on average. Thread-safe
   * and allocation-free.
   */
  public boolean sample() {
    double p = spec.percent();
    if (p >= 100) {
      return true;
    }
    return p > 0 && uniform.getAsDouble() * 100 < p;
  }

  /**
   * Sends a copy of a request to the shadow pool and returns at once. Never throws.
   *
   * <p>Ownership: the mirror owns {@code head} (a copy nobody else touches; the mirror changes its
   * headers) and {@code body} (a retained, complete body, or {@code Unpooled.EMPTY_BUFFER}) from
   * the call on, and releases the body in every path: sent, dropped or failed. A
   * {@link FullHttpRequest} head is taken for its head only and released.
   *
   * @param loop the caller's event loop, where the copy runs; called from another thread, the
   *     send is handed to it
   */
  public void send(EventLoop loop, HttpRequest head, ByteBuf body) {
    send(loop, null, head, body, null);
  }

  /**
   * As above, on the event loop of the {@code client} channel the request came on: when the
   * shadow pool begins its connections with a PROXY header, they name that client and serve its
   * connection alone, as the real pool's do.
   */
  public void send(Channel client, HttpRequest head, ByteBuf body) {
    send(client.eventLoop(), ProxyHeaderWriter.connectionOf(client), head, body, null);
  }

  /**
   * Sends a bodiless copy to {@code backend} of the pool, chosen by the caller (a probe aside:
   * {@link AsideProbes}), with its Host unmarked: the backend serves it as the request it is, and
   * its load, gate and outlier tracker hear the outcome as any request's. Otherwise as
   * {@link #send(Channel, HttpRequest, ByteBuf)}.
   */
  void probe(Channel client, Backend backend, HttpRequest head) {
    send(client.eventLoop(), ProxyHeaderWriter.connectionOf(client), head,
        io.netty.buffer.Unpooled.EMPTY_BUFFER, Objects.requireNonNull(backend, "backend"));
  }

  /** {@code only}: the backend of a probe aside; null: the pool's picker chooses. */
  private void send(EventLoop loop, Channel client, HttpRequest head, ByteBuf body,
      Backend only) {
    if (!loop.inEventLoop()) {
      try {
        loop.execute(() -> send(loop, client, head, body, only));
      } catch (RejectedExecutionException e) {
        // The loop is shutting down: so is everything the copy could have reached.
        discard(head, body);
      }
      return;
    }
    MirrorCall call = null;
    Attempts attempts = null;
    try {
      HttpRequest req = head instanceof FullHttpRequest full ? headOnly(full) : head;
      if (closed) {
        discard(req, body);
        return;
      }
      if (body.readableBytes() > spec.maxBody()) {
        discard(req, body);
        droppedTooBig.increment();
        return;
      }
      MirrorConnections conns = connections(loop);
      if (conns.inFlight >= spec.maxInFlight()) {
        discard(req, body);
        droppedOverLimit.increment();
        return;
      }
      attempts = new Attempts(Ticker.SYSTEM, AttemptListener.NONE);
      attempts.start(spec.pool(), policy, only == null ? null : ctx -> only.picked(),
          req.method().name(), 0L, -1);
      Backend backend = attempts.next();
      if (backend == null) {
        // No shadow backend available, or its circuit breaker refused: a copy is never retried.
        discard(req, body);
        droppedNoBackend.increment();
        return;
      }
      CopyHead.prepare(req, body.readableBytes(), backend, only == null);
      call = new MirrorCall(this, conns, attempts, req, body, client);
      sent.increment();
      inFlight.increment();
      call.start();
    } catch (RuntimeException e) {
      // A copy must never fail the real request; what went wrong is worth one line.
      LOG.warn("mirror to pool {} failed", spec.pool().name(), e);
      if (call != null) {
        call.crashed();
      } else {
        if (attempts != null) {
          attempts.abandoned();
        }
        ReferenceCountUtil.safeRelease(head);
        if (body.refCnt() > 0) {
          ReferenceCountUtil.safeRelease(body);
        }
      }
    }
  }

  private static HttpRequest headOnly(FullHttpRequest full) {
    HttpRequest copy = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(),
        full.headers().copy());
    full.release();
    return copy;
  }

  private static void discard(HttpRequest head, ByteBuf body) {
    ReferenceCountUtil.release(head);
    body.release();
  }

  private MirrorConnections connections(EventLoop loop) {
    MirrorConnections c = loops.get(loop);
    if (c == null) {
      c = new MirrorConnections(this, loop, spec);
      MirrorConnections raced = loops.putIfAbsent(loop, c);
      if (raced != null) {
        c = raced;
      }
    }
    return c;
  }

  /** {@link CopyHead#shadowHost}: how a copy's Host is marked. */
  public static String shadowHost(String host) {
    return CopyHead.shadowHost(host);
  }

  /** A copy ended (called once per copy, on its loop). */
  void ended(Outcome outcome, int status) {
    inFlight.decrement();
    switch (outcome) {
      case COMPLETED -> completed[Math.min(5, Math.max(2, status / 100))].increment();
      case CONNECT_FAILED -> failedConnect.increment();
      case TIMEOUT -> failedTimeout.increment();
      case RESET -> failedReset.increment();
    }
  }

  /** The counters so far. Thread-safe; each value is read once, not all at one instant. */
  public Stats stats() {
    return new Stats(sent.sum(), completed[2].sum(), completed[3].sum(),
        completed[4].sum(), completed[5].sum(), failedConnect.sum(), failedTimeout.sum(),
        failedReset.sum(), droppedTooBig.sum(), droppedOverLimit.sum(), droppedNoBackend.sum(),
        inFlight.sum());
  }

  /**
   * Stops mirroring: later sends release what they are given and count nothing; idle shadow
   * connections close, and those in use close when their copy ends. Thread-safe; idempotent.
   */
  @Override
  public void close() {
    closed = true;
    for (MirrorConnections c : loops.values()) {
      try {
        c.loop().execute(c::close);
      } catch (RejectedExecutionException e) {
        // The loop is gone, and its channels with it.
      }
    }
  }

  boolean closed() {
    return closed;
  }

  /** Idle shadow connections kept on {@code loop}; call on that loop (tests). */
  public int idleConnections(EventLoop loop) {
    MirrorConnections c = loops.get(loop);
    return c == null ? 0 : c.idleCount();
  }

  @Override
  public String toString() {
    return "Mirror[" + spec + ", " + stats() + "]";
  }

  /**
   * A mirror's counters.
   *
   * @param sent copies that got a shadow backend and started
   * @param completed2xx copies answered with a 2xx (read to the end and dropped)
   * @param completed3xx with a 3xx
   * @param completed4xx with a 4xx
   * @param completed5xx with a 5xx
   * @param failedConnect copies whose connection could not be opened
   * @param failedTimeout copies not answered whole within the spec's timeout
   * @param failedReset copies whose connection broke (closed, malformed answer, failed write)
   * @param droppedTooBig requests not copied: body over {@code maxBody}
   * @param droppedOverLimit requests not copied: {@code maxInFlight} copies already in flight on
   *     the event loop
   * @param droppedNoBackend requests not copied: no shadow backend available, or its circuit
   *     breaker refused
   * @param inFlight copies started and not yet ended (a gauge)
   */
  public record Stats(long sent, long completed2xx, long completed3xx, long completed4xx,
      long completed5xx, long failedConnect, long failedTimeout, long failedReset,
      long droppedTooBig, long droppedOverLimit, long droppedNoBackend, long inFlight) {

    /** Copies that ended with an answer. */
    public long completed() {
      return completed2xx + completed3xx + completed4xx + completed5xx;
    }

    /** Copies that ended without one. */
    public long failed() {
      return failedConnect + failedTimeout + failedReset;
    }

    /** Sampled requests never sent. */
    public long dropped() {
      return droppedTooBig + droppedOverLimit + droppedNoBackend;
    }
  }
}
