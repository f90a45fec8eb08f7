package io.ballast.proxy.mirror;

import io.ballast.core.Backend;
import io.ballast.proxy.routing.PoolRef;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Probes aside: when {@code auto} wants to test a backend it shuns (slow or failing, no outcome
 * for a second), and the request at hand is a GET or HEAD without a body, the request goes where
 * it would anyway and a copy of its head goes to the shunned backend
 * ({@link io.ballast.core.PickResult.Picked#probe}). Nobody waits for the copy's answer, which
 * is read and dropped; its outcome reaches the backend's load, gate and outlier tracker as any
 * request's, so auto prices the backend by it, and a client never pays for a backend that is
 * still slow (Prequal's out-of-band probe, with a real request's shape: a health check's path
 * often answers fast through a gray failure).
 *
 * <p>Each copy is one attempt of the attempt protocol on the pool, through a {@link Mirror} of
 * the pool (its TLS and protocol, its own connections, Host unmarked): at most
 * {@value #MAX_IN_FLIGHT} copies per event loop in flight, each bounded by the timeout; a copy
 * the backend's circuit breaker refuses is dropped. A pool's mirror lives as long as the pool's
 * {@link PoolRef} (held weakly: a reload that replaces the pool lets it go; its idle connections
 * close after {@link MirrorSpec#DEFAULT_IDLE_TIMEOUT}).
 *
 * <p>Thread-safe: {@link #send} is called from any event loop.
 */
public final class AsideProbes implements AutoCloseable {
  /** Copies in flight per event loop and pool; auto sends at most one per backend at a time. */
  static final int MAX_IN_FLIGHT = 16;

  private final Duration timeout;
  private final Map<PoolRef, Mirror> mirrors = Collections.synchronizedMap(new WeakHashMap<>());
  private volatile boolean closed;

  /** @param timeout a copy's whole exchange, connect to last byte (the listener's response timeout) */
  public AsideProbes(Duration timeout) {
    this.timeout = timeout;
  }

  /**
   * Sends a copy of {@code head} (the request as its backend gets it; copied here, not kept) to
   * {@code backend} of {@code ref}'s pool, on {@code client}'s event loop. Returns at once; never
   * throws.
   */
  public void send(Channel client, PoolRef ref, Backend backend, HttpRequest head) {
    if (closed) {
      return;
    }
    Mirror m = mirrors.computeIfAbsent(ref, r -> new Mirror(new MirrorSpec(r.pool(), 100, 0,
        timeout, MAX_IN_FLIGHT, MirrorSpec.DEFAULT_IDLE_TIMEOUT, r.tls(), r.protocol())));
    m.probe(client, backend, new DefaultHttpRequest(HttpVersion.HTTP_1_1, head.method(),
        head.uri(), head.headers().copy()));
  }

  /** Each pool's copies so far (pool name, counters); pools of a past config may still show. */
  public List<Map.Entry<String, Mirror.Stats>> stats() {
    List<Map.Entry<String, Mirror.Stats>> out = new ArrayList<>();
    synchronized (mirrors) {
      mirrors.forEach((ref, m) -> out.add(Map.entry(ref.pool().name(), m.stats())));
    }
    return out;
  }

  /** Stops probing aside: later sends do nothing; every pool's mirror closes. */
  @Override
  public void close() {
    closed = true;
    synchronized (mirrors) {
      mirrors.values().forEach(Mirror::close);
      mirrors.clear();
    }
  }
}
