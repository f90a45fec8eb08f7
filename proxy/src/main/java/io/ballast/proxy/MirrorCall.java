package io.ballast.proxy;

import io.ballast.core.Backend;
import io.ballast.core.AttemptGate;
import io.ballast.core.OutcomeListener;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.ConnectException;
import java.util.concurrent.TimeUnit;

/**
 * One mirrored copy from its send to its end: a pooled or new connection to the picked shadow
 * backend, the request written whole, the response read and dropped, and exactly one outcome,
 * counted by the {@link Mirror} and reported to the shadow backend's load, outlier tracker and
 * circuit breaker as the proxy reports a real attempt. The timer armed at the start ends the copy
 * (and closes its connection) if it is still running when the spec's timeout expires.
 *
 * <p>Event-loop only: created, run and ended on the loop of its {@link MirrorConnections}.
 */
final class MirrorCall implements Runnable, ChannelFutureListener {
  private final Mirror mirror;
  private final MirrorConnections connections;
  private final BackendConnections.Entry<MirrorHandler> entry;
  private final Backend backend;
  private final AttemptGate circuit;
  private final long startNanos = System.nanoTime();
  private final ChannelFutureListener writeListener = this::onWritten;

  /** Owned until written; null after. */
  private HttpRequest head;
  private ByteBuf body;
  private ScheduledFuture<?> timer;
  private Channel connecting;
  private MirrorHandler handler;
  private boolean done;
  private boolean loadOpen;
  private int joined;
  private boolean written;
  private boolean informational;
  private boolean keepAlive;
  private int status;
  private long headNanos;

  MirrorCall(Mirror mirror, MirrorConnections connections, Backend backend,
      AttemptGate circuit, HttpRequest head, ByteBuf body) {
    this.mirror = mirror;
    this.connections = connections;
    this.entry = connections.entry(backend);
    this.backend = backend;
    this.circuit = circuit;
    this.head = head;
    this.body = body;
  }

  void start() {
    connections.inFlight++;
    timer = connections.loop().schedule(this, mirror.spec().timeout().toNanos(),
        TimeUnit.NANOSECONDS);
    MirrorHandler idle = entry.pollIdle();
    if (idle != null) {
      attach(idle);
      return;
    }
    ChannelFuture f = entry.connect();
    connecting = f.channel();
    f.addListener(this);
  }

  /** The connect finished. */
  @Override
  public void operationComplete(ChannelFuture f) {
    Channel ch = f.channel();
    if (done || ch != connecting) {
      // The copy timed out meanwhile; a fresh connection still serves the next copy.
      if (f.isSuccess()) {
        entry.release((MirrorHandler) ch.pipeline().last());
      }
      return;
    }
    connecting = null;
    PooledConnection.reportConnect(backend, f.isSuccess());
    if (f.isSuccess()) {
      attach((MirrorHandler) ch.pipeline().last());
      return;
    }
    mirror.pool().reportConnectFailure(backend, describe(f.cause()));
    end(Mirror.Outcome.CONNECT_FAILED);
  }

  private static String describe(Throwable cause) {
    if (cause instanceof ConnectTimeoutException) {
      return "connect timeout (mirror)";
    }
    if (cause instanceof ConnectException) {
      return "connect refused (mirror)";
    }
    return (cause == null ? "connect failed" : cause.getClass().getSimpleName()) + " (mirror)";
  }

  private void attach(MirrorHandler h) {
    handler = h;
    h.call(this);
    joined = backend.load().start();
    loadOpen = true;
    Channel ch = h.channel();
    HttpRequest req = head;
    ByteBuf content = body;
    head = null;
    body = null;
    // Ownership of both passes to the channel, which releases them once written or failed.
    ch.write(req, ch.voidPromise());
    ch.writeAndFlush(new DefaultLastHttpContent(content)).addListener(writeListener);
  }

  private void onWritten(ChannelFuture f) {
    if (done || handler == null || f.channel() != handler.channel()) {
      return;
    }
    if (f.isSuccess()) {
      written = true;
    } else {
      end(Mirror.Outcome.RESET);
    }
  }

  /** A response object from the shadow: counted at its end, never kept. */
  void onRead(HttpObject msg) {
    try {
      if (done) {
        return;
      }
      if (msg.decoderResult().isFailure()) {
        end(Mirror.Outcome.RESET);
        return;
      }
      if (msg instanceof HttpResponse response) {
        int code = response.status().code();
        if (code < 200) {
          if (code == 101) {
            // Nothing asked to upgrade: the connection is no longer HTTP we can read.
            end(Mirror.Outcome.RESET);
            return;
          }
          informational = true;
          return;
        }
        status = code;
        headNanos = System.nanoTime();
        keepAlive = HttpUtil.isKeepAlive(response);
        OutcomeListener outlier = backend.outcomes();
        if (outlier != null) {
          outlier.response(code);
        }
      }
      if (msg instanceof LastHttpContent) {
        if (informational) {
          informational = false;
        } else if (status != 0) {
          end(Mirror.Outcome.COMPLETED);
        }
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  /** The connection closed under the copy. */
  void onClosed() {
    handler = null;
    end(Mirror.Outcome.RESET);
  }

  /** The timeout. */
  @Override
  public void run() {
    end(Mirror.Outcome.TIMEOUT);
  }

  /**
   * Ends the copy once with its outcome: counts it, reports it to the shadow backend, keeps or
   * closes the connection, frees the slot and releases whatever was never written.
   */
  void end(Mirror.Outcome outcome) {
    if (done) {
      return;
    }
    done = true;
    long now = System.nanoTime();
    boolean completed = outcome == Mirror.Outcome.COMPLETED;
    if (timer != null) {
      timer.cancel(false);
    }
    if (loadOpen) {
      loadOpen = false;
      backend.load().complete(completed && !Exchange.loadFailure(status), now - startNanos,
          joined);
    }
    if (!completed && outcome != Mirror.Outcome.CONNECT_FAILED) {
      OutcomeListener outlier = backend.outcomes();
      if (outlier != null) {
        outlier.localOriginFailure();
      }
    }
    if (circuit != null) {
      if (completed) {
        circuit.onResult(headNanos - startNanos, status >= 500);
      } else {
        circuit.onResult(now - startNanos, true);
      }
    }
    Channel c = connecting;
    connecting = null;
    if (c != null) {
      c.close();
    }
    MirrorHandler h = handler;
    handler = null;
    if (h != null) {
      h.call(null);
      if (completed && keepAlive && written) {
        entry.release(h);
      } else {
        h.channel().close();
      }
    }
    ReferenceCountUtil.release(head);
    head = null;
    ByteBuf b = body;
    body = null;
    if (b != null) {
      b.release();
    }
    connections.inFlight--;
    mirror.ended(outcome, status);
  }
}
