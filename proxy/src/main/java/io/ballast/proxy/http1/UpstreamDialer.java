package io.ballast.proxy.http1;

import io.ballast.core.Backend;
import io.ballast.proxy.proxyprotocol.ProxyHeaderVersion;
import io.ballast.proxy.routing.PoolRef;
import io.ballast.proxy.upstream.BackendConnections;
import io.ballast.proxy.upstream.h2.BackendStream;
import io.ballast.proxy.upstream.h2.H2Connections;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;

/**
 * How an attempt of the {@link UpstreamLeg} gets its {@link Upstream}, as the pool speaks: an
 * idle pooled HTTP/1.1 connection or a new one ({@link UpstreamHandler}), or a new stream on an
 * HTTP/2 connection ({@link UpstreamStream}). Either way the leg attaches to it the same way
 * ({@link UpstreamLeg#attach}), or hears why there is none ({@link UpstreamLeg#connectFailed}):
 * the attempt logic does not know which it got. A pool that begins its connections with a PROXY
 * header keeps them for the client's connection alone (its connection's own entry).
 *
 * <p>A connect or stream that completes after its request went elsewhere (or ended) is not
 * wasted where it need not be: a new HTTP/1.1 connection goes to the pool; a stream, on which
 * nothing was sent, is closed.
 *
 * <p>Event-loop only; one per leg.
 */
final class UpstreamDialer {
  private final UpstreamLeg leg;
  private final UpstreamPool upstreams;
  /** The client's connection: the one a pool sending PROXY headers keeps connections for. */
  private final Channel clientConnection;
  private final ChannelFutureListener connectListener = this::onConnected;
  private final GenericFutureListener<Future<BackendStream>> streamListener = this::onStream;
  /** The connection being made (its channel) or the stream being opened (its future). */
  private Object pending;

  UpstreamDialer(UpstreamLeg leg, UpstreamPool upstreams, Channel clientConnection) {
    this.leg = leg;
    this.upstreams = upstreams;
    this.clientConnection = clientConnection;
  }

  /** A channel to {@code backend} of the pool {@code ref}: attached now, or when it is up. */
  void dial(Backend backend, PoolRef ref) {
    if (ref.protocol().multiplexed()) {
      BackendStream now = upstreams.streamNow(backend, ref.tls(), ref.protocol());
      if (now != null) {
        leg.attach(new UpstreamStream(now, upstreams.streamTickNanos()));
        return;
      }
      Future<BackendStream> f = upstreams.stream(backend, ref.tls(), ref.protocol());
      pending = f;
      f.addListener(streamListener);
      return;
    }
    ProxyHeaderVersion header = ref.protocol().proxyHeader();
    BackendConnections.Entry<UpstreamHandler> entry = header == null
        ? upstreams.entry(backend, ref.tls())
        : upstreams.privateEntry(backend, ref.tls(), clientConnection, header);
    UpstreamHandler idle = entry.pollIdle();
    if (idle != null) {
      leg.attach(idle);
      return;
    }
    ChannelFuture f = entry.connect();
    pending = f.channel();
    f.addListener(connectListener);
  }

  /** Whatever is pending is no longer wanted. */
  void cancel() {
    pending = null;
  }

  private void onConnected(ChannelFuture f) {
    Channel ch = f.channel();
    if (ch != pending || leg.done()) {
      // The request ended meanwhile; a fresh connection still serves the next one.
      if (f.isSuccess()) {
        UpstreamHandler h = (UpstreamHandler) ch.pipeline().last();
        h.entry.release(h);
      }
      return;
    }
    pending = null;
    if (f.isSuccess()) {
      leg.attach((UpstreamHandler) ch.pipeline().last());
    } else {
      leg.connectFailed(BackendConnections.describe(f.cause()));
    }
  }

  private void onStream(Future<BackendStream> f) {
    if (f != pending || leg.done()) {
      if (f.isSuccess()) {
        f.getNow().close();
      }
      return;
    }
    pending = null;
    if (f.isSuccess()) {
      leg.attach(new UpstreamStream(f.getNow(), upstreams.streamTickNanos()));
    } else {
      leg.connectFailed(H2Connections.describe(f.cause()));
    }
  }
}
