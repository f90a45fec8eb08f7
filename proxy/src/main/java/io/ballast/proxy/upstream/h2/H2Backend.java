package io.ballast.proxy.upstream.h2;

import io.ballast.core.Backend;
import io.ballast.proxy.tls.BackendTls;
import io.ballast.proxy.upstream.BackendConnections;
import io.ballast.proxy.upstream.BackendProtocol;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The HTTP/2 connections of one event loop to one backend, spoken one way (TLS, protocol, stream
 * limit): a stream goes on the oldest connection with room, so that streams pack onto few
 * connections and the others can idle out; when every connection is full (or none is open), one
 * more connection is opened. There is no per-backend limit on connections beyond that.
 *
 * <p>Event-loop only.
 */
final class H2Backend {
  private final H2Connections owner;
  private final Backend backend;
  private final BackendTls tls;
  private final BackendProtocol protocol;
  private final Bootstrap bootstrap;
  /** Connections that may take streams (not draining, not closed), oldest first. */
  private final List<H2Connection> usable = new ArrayList<>(2);

  H2Backend(H2Connections owner, Backend backend, BackendTls tls, BackendProtocol protocol,
      Bootstrap template) {
    this.owner = owner;
    this.backend = backend;
    this.tls = tls;
    this.protocol = protocol;
    // Resolved once per event loop and backend, as for HTTP/1.1 connections.
    this.bootstrap = template.clone()
        .remoteAddress(new InetSocketAddress(backend.host(), backend.port()));
  }

  Backend backend() {
    return backend;
  }

  BackendProtocol protocol() {
    return protocol;
  }

  long idleNanos() {
    return owner.idleNanos();
  }

  /** The period of the streams' read timer ({@link H2Connections}). */
  long tickNanos() {
    return owner.tickNanos();
  }

  /** True when this entry connects the way {@code tls} and {@code protocol} say. */
  boolean speaks(BackendTls tls, BackendProtocol protocol) {
    return java.util.Objects.equals(this.tls, tls) && this.protocol.equals(protocol);
  }

  /** Connections open or opening that take streams, for tests. */
  int connections() {
    return usable.size();
  }

  /** A stream now on a ready connection with room (the oldest); null when none has. */
  BackendStream take() {
    for (int i = 0; i < usable.size(); i++) {
      BackendStream s = usable.get(i).take();
      if (s != null) {
        return s;
      }
    }
    return null;
  }

  /** A stream for {@code p} on a connection with room, a new one if none has. */
  void place(Promise<BackendStream> p) {
    for (int i = 0; i < usable.size(); i++) {
      if (usable.get(i).offer(p)) {
        return;
      }
    }
    H2Connection c = new H2Connection(this);
    usable.add(c);
    ChannelFuture f = bootstrap.clone().handler(new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        H2Pipeline.pooled(ch, backend, tls, protocol, c);
      }
    }).connect();
    c.offer(p);
    f.addListener((ChannelFuture cf) -> {
      if (!cf.isSuccess()) {
        c.connectFailed(BackendConnections.describe(cf.cause()));
      }
    });
  }

  /** {@code c} takes no more streams (draining or closed). */
  void unusable(H2Connection c) {
    usable.remove(c);
  }

  /** Every connection drains: closed when its streams end. */
  void retire() {
    for (H2Connection c : List.copyOf(usable)) {
      c.retire();
    }
    usable.clear();
  }
}
