package io.ballast.proxy.upstream.h2;

import io.ballast.core.Backend;
import io.ballast.proxy.tls.BackendTls;
import io.ballast.proxy.upstream.BackendConnections;
import io.ballast.proxy.upstream.BackendProtocol;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.IdentityHashMap;

/**
 * HTTP/2 connections to backends from one event loop: for each backend, connections that carry
 * many requests at once as streams ({@link H2Backend}). A request asks for a stream
 * ({@link #open}) and gets a {@link BackendStream} that reads and writes HTTP/1.1 objects; the
 * stream's end (its response done, or its user closing it) frees its place on its connection.
 * While a connection has streams, a timer ticks for them every {@code tickNanos}
 * ({@link BackendStream.User#tick}): their users count read timeouts in those ticks. Streams are
 * never reused; connections are, until they idle out, the backend sends GOAWAY, or they are
 * retired.
 *
 * <p>Event-loop only: every method must be called on the loop the connections live on.
 */
public final class H2Connections {
  private final EventLoop loop;
  private final Bootstrap template;
  private final long idleNanos;
  private final long tickNanos;
  private final IdentityHashMap<Backend, H2Backend> entries = new IdentityHashMap<>();

  /**
   * @param template how connections are made (loop, transport, connect timeout)
   * @param idleNanos a connection with no stream for this long closes
   * @param tickNanos the period of the streams' timer; 0: none
   */
  public H2Connections(EventLoop loop, Bootstrap template, long idleNanos, long tickNanos) {
    this.loop = loop;
    this.template = template;
    this.idleNanos = idleNanos;
    this.tickNanos = tickNanos;
  }

  long idleNanos() {
    return idleNanos;
  }

  long tickNanos() {
    return tickNanos;
  }

  /**
   * A stream to {@code backend}, on a connection spoken as {@code tls} and {@code protocol} say.
   * The future fails with the connection's reason ({@link #describe}) when no connection to the
   * backend could be made. When the pool's TLS or protocol changed (a reload), the connections
   * made the old way drain and new ones are made.
   */
  public Future<BackendStream> open(Backend backend, BackendTls tls,
      BackendProtocol protocol) {
    Promise<BackendStream> p = loop.newPromise();
    entry(backend, tls, protocol).place(p);
    return p;
  }

  /**
   * A stream to {@code backend} now, when a connection spoken as {@code tls} and
   * {@code protocol} say is ready and has room (the usual case on a busy pool: no future, no
   * listener); else null, and {@link #open} waits for one.
   */
  public BackendStream openNow(Backend backend, BackendTls tls, BackendProtocol protocol) {
    return entry(backend, tls, protocol).take();
  }

  private H2Backend entry(Backend backend, BackendTls tls, BackendProtocol protocol) {
    H2Backend e = entries.get(backend);
    if (e != null && !e.speaks(tls, protocol)) {
      forget(backend);
      e = null;
    }
    if (e == null) {
      e = new H2Backend(this, backend, tls, protocol, template);
      entries.put(backend, e);
    }
    return e;
  }

  /** Why a stream could not be opened, in a few words. */
  public static String describe(Throwable cause) {
    return cause instanceof H2ConnectException ? cause.getMessage()
        : BackendConnections.describe(cause);
  }

  /** The backend left: its connections drain (no new streams) and close. */
  public void forget(Backend backend) {
    H2Backend e = entries.remove(backend);
    if (e != null) {
      e.retire();
    }
  }

  /** Every connection drains and closes when its streams end. */
  public void retireAll() {
    for (H2Backend e : entries.values()) {
      e.retire();
    }
    entries.clear();
  }

  /** Connections to {@code backend} that take streams now, for tests. */
  public int connections(Backend backend) {
    H2Backend e = entries.get(backend);
    return e == null ? 0 : e.connections();
  }
}
