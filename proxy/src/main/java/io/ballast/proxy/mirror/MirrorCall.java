package io.ballast.proxy.mirror;

import io.ballast.core.attempt.Attempts;
import io.ballast.core.retry.AttemptFailure;
import io.ballast.proxy.proxyprotocol.ProxyHeaderVersion;
import io.ballast.proxy.upstream.BackendConnections;
import io.ballast.proxy.upstream.h2.BackendStream;
import io.ballast.proxy.upstream.h2.H2Connections;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One mirrored copy from its send to its end: a pooled or new connection to the shadow backend
 * its {@link Attempts} picked, the request written whole, the response read and dropped, and
 * exactly one outcome, counted by the {@link Mirror} and reported through the attempt protocol
 * as a real attempt's is. The timer armed at the start ends the copy (and closes its connection)
 * if it is still running when the spec's timeout expires.
 *
 * <p>Event-loop only: created, run and ended on the loop of its {@link MirrorConnections}.
 */
final class MirrorCall implements Runnable, ChannelFutureListener {
  /** The client's connection, for a shadow pool that sends PROXY headers; may be null. */
  private final Channel client;
  private final Mirror mirror;
  private final MirrorConnections connections;
  private final Attempts attempts;
  private final ChannelFutureListener writeListener = this::onWritten;
  private final ChannelFutureListener streamWritten = this::onStreamWritten;
  private final GenericFutureListener<Future<BackendStream>> streamListener = this::onStream;

  /** Owned until written; null after. */
  private HttpRequest head;
  private ByteBuf body;
  private ScheduledFuture<?> timer;
  private Channel connecting;
  /** The stream being opened, for a shadow pool that speaks HTTP/2. */
  private Future<BackendStream> opening;
  /** The copy's connection (HTTP/1.1), or its stream (HTTP/2); null before and after. */
  private MirrorHandler handler;
  private BackendStream stream;
  private boolean done;
  private boolean written;
  private boolean informational;
  private boolean keepAlive;
  private int status;

  /** @param attempts the copy's attempt, its backend picked and its gate passed */
  MirrorCall(Mirror mirror, MirrorConnections connections, Attempts attempts, HttpRequest head,
      ByteBuf body, Channel client) {
    this.client = client;
    this.mirror = mirror;
    this.connections = connections;
    this.attempts = attempts;
    this.head = head;
    this.body = body;
  }

  void start() {
    connections.inFlight++;
    timer = connections.loop().schedule(this, mirror.spec().timeout().toNanos(),
        TimeUnit.NANOSECONDS);
    MirrorSpec spec = mirror.spec();
    if (spec.protocol().multiplexed()) {
      opening = connections.stream(attempts.backend(), spec.tls(), spec.protocol());
      opening.addListener(streamListener);
      return;
    }
    ProxyHeaderVersion header = spec.protocol().proxyHeader();
    BackendConnections.Entry<MirrorHandler> entry = header == null || client == null
        ? connections.entry(attempts.backend(), spec.tls())
        : connections.privateEntry(attempts.backend(), spec.tls(), client, header);
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
        MirrorHandler h = (MirrorHandler) ch.pipeline().last();
        h.entry.release(h);
      }
      return;
    }
    connecting = null;
    if (f.isSuccess()) {
      attach((MirrorHandler) ch.pipeline().last());
      return;
    }
    attempts.connectFailed(BackendConnections.describe(f.cause()) + " (mirror)");
    end(Mirror.Outcome.CONNECT_FAILED);
  }

  /** The stream for the copy opened, or its connection failed. */
  private void onStream(Future<BackendStream> f) {
    if (done || f != opening) {
      if (f.isSuccess()) {
        f.getNow().close();
      }
      return;
    }
    opening = null;
    if (f.isSuccess()) {
      attach(f.getNow());
      return;
    }
    attempts.connectFailed(H2Connections.describe(f.cause()) + " (mirror)");
    end(Mirror.Outcome.CONNECT_FAILED);
  }

  /** The copy has its connection, new or pooled: both count as connected (see UpstreamLeg). */
  private void attach(MirrorHandler h) {
    handler = h;
    h.call(this);
    attempts.connected();
    attempts.sending();
    Channel ch = h.channel();
    HttpRequest req = head;
    ByteBuf content = body;
    head = null;
    body = null;
    // Ownership of both passes to the channel, which releases them once written or failed.
    ch.write(req, ch.voidPromise());
    ch.writeAndFlush(new DefaultLastHttpContent(content)).addListener(writeListener);
  }

  /** The copy has its stream: written as on a connection, its answer read the same way. */
  private void attach(BackendStream s) {
    stream = s;
    s.user(new OnStream());
    attempts.connected();
    attempts.sending();
    HttpRequest req = head;
    ByteBuf content = body;
    head = null;
    body = null;
    s.write(req, null);
    s.write(new DefaultLastHttpContent(content), streamWritten);
    s.flush();
  }

  private void onWritten(ChannelFuture f) {
    if (done || handler == null || f.channel() != handler.channel()) {
      return;
    }
    written(f);
  }

  private void onStreamWritten(ChannelFuture f) {
    if (!done && stream != null) {
      written(f);
    }
  }

  private void written(ChannelFuture f) {
    if (f.isSuccess()) {
      written = true;
    } else {
      fail(AttemptFailure.RESET_AFTER_SENT, "write failed", Mirror.Outcome.RESET);
    }
  }

  /** A response object from the shadow: counted at its end, never kept. */
  void onRead(HttpObject msg) {
    try {
      if (done) {
        return;
      }
      if (msg.decoderResult().isFailure()) {
        fail(AttemptFailure.RESET_AFTER_SENT, "malformed response", Mirror.Outcome.RESET);
        return;
      }
      if (msg instanceof HttpResponse response) {
        int code = response.status().code();
        if (code < 200) {
          if (code == 101) {
            // Nothing asked to upgrade: the connection is no longer HTTP we can read.
            fail(AttemptFailure.RESET_AFTER_SENT, "unexpected 101", Mirror.Outcome.RESET);
            return;
          }
          informational = true;
          return;
        }
        status = code;
        keepAlive = HttpUtil.isKeepAlive(response);
        // A copy is never retried: the answer always stands.
        attempts.answered(code);
      }
      if (msg instanceof LastHttpContent) {
        if (informational) {
          informational = false;
        } else if (status != 0) {
          attempts.completed();
          end(Mirror.Outcome.COMPLETED);
        }
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  /** The connection or stream closed under the copy. */
  void onClosed() {
    handler = null;
    stream = null;
    fail(AttemptFailure.RESET_AFTER_SENT, "connection closed", Mirror.Outcome.RESET);
  }

  /** The timeout. */
  @Override
  public void run() {
    fail(AttemptFailure.PER_TRY_TIMEOUT, "no answer within " + mirror.spec().timeout().toMillis()
        + " ms", Mirror.Outcome.TIMEOUT);
  }

  /** The copy failed before or after its answer began; the attempt protocol is told which. */
  private void fail(AttemptFailure kind, String why, Mirror.Outcome outcome) {
    if (done) {
      return;
    }
    String reason = attempts.backend().name() + " (mirror): " + why;
    if (status != 0) {
      attempts.broken(reason);
    } else {
      attempts.failed(kind, reason);
    }
    end(outcome);
  }

  /** Something unexpected broke the copy: its attempt is abandoned and the copy counted reset. */
  void crashed() {
    if (!done) {
      attempts.abandoned();
      end(Mirror.Outcome.RESET);
    }
  }

  /**
   * Ends the copy once with its outcome (the attempt already has it): counts it, keeps or closes
   * the connection, frees the slot and releases whatever was never written.
   */
  void end(Mirror.Outcome outcome) {
    if (done) {
      return;
    }
    done = true;
    if (timer != null) {
      timer.cancel(false);
    }
    opening = null;
    Channel c = connecting;
    connecting = null;
    if (c != null) {
      c.close();
    }
    BackendStream s = stream;
    stream = null;
    if (s != null) {
      s.close();
    }
    MirrorHandler h = handler;
    handler = null;
    if (h != null) {
      h.call(null);
      if (outcome == Mirror.Outcome.COMPLETED && keepAlive && written) {
        h.releaseAfterRead();
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

  /** What the copy's stream tells it: its answer, and its end. */
  private final class OnStream implements BackendStream.User {
    @Override
    public void read(HttpObject msg) {
      onRead(msg);
    }

    @Override
    public void readComplete() {}

    @Override
    public void writabilityChanged() {}

    @Override
    public void tick() {}

    @Override
    public void closed() {
      onClosed();
    }
  }
}
