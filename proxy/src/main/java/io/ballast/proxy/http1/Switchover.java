package io.ballast.proxy.http1;

import io.ballast.proxy.ListenerContext;
import io.ballast.proxy.ProxyObserver;
import io.ballast.proxy.ProxyServer;
import io.ballast.proxy.tunnel.Tunnel;
import io.ballast.proxy.tunnel.TunnelListener;
import io.ballast.proxy.tunnel.TunnelSummary;
import io.ballast.proxy.upstream.BackendCodec;
import io.ballast.proxy.websocket.WebSocketFarewell;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.timeout.IdleStateHandler;

/**
 * Turns a client connection and its backend connection into a {@link Tunnel} once the backend
 * answered a WebSocket upgrade with 101, then reports what the tunnel does:
 * <ol>
 *   <li>the 101 goes to the client, encoded by the client's HTTP codec one last time (an
 *       HTTP/2 stream's client gets its protocol's answer instead, a 200, and the stream
 *       becomes a byte pipe: {@link ExchangeClient#switchToTunnel});
 *   <li>each pipeline gets the tunnel's endpoint in front of its last handler (the client
 *       handler and the backend connection's handler stay behind it for their bookkeeping when
 *       the connection closes: open connections counted, the client unregistered);
 *   <li>the idle and HTTP handlers go. What a decoder had buffered (bytes that came in the same
 *       read right behind the 101, or a client that did not wait for it) reaches the endpoints
 *       and waits for the start: nothing is lost, and nothing is written through an HTTP
 *       encoder that would refuse raw bytes;
 *   <li>the tunnel starts. The backend connection never goes back to its pool: its handler has
 *       no owner and its codec is gone, so it closes with the tunnel.
 * </ol>
 * Bytes and the end go to the observer the proxy had when the tunnel opened (so that opens and
 * closes pair up across a reload), and the end to the exchange, which logs the request.
 *
 * <p>Event-loop only (the client's, which is the backend connection's); one per tunnel.
 */
final class Switchover implements TunnelListener {
  private final Exchange exchange;
  private final ProxyObserver observer;
  private final String pool;

  private Switchover(Exchange exchange, ProxyObserver observer, String pool) {
    this.exchange = exchange;
    this.observer = observer;
    this.pool = pool;
  }

  /**
   * Writes {@code response} (the prepared 101) to the client and opens the tunnel between
   * {@code client}'s connection and {@code upstream}'s.
   */
  static void open(Exchange exchange, ExchangeClient client, UpstreamHandler upstream,
      ListenerContext listener, String pool, HttpResponse response) {
    Channel backendChannel = upstream.channel();
    Switchover reports = new Switchover(exchange, listener.observer(), pool);
    Tunnel tunnel = new Tunnel(client.tunnelSide(), backendChannel,
        listener.settings().tunnelIdleTimeout(), new WebSocketFarewell(listener.settings().maxWebSocketFrame()), reports,
        listener.tunnels());
    ChannelPipeline bp = backendChannel.pipeline();
    client.switchToTunnel(response, tunnel);
    bp.addBefore(bp.context(upstream).name(), "tunnel", tunnel.endpoint(false));
    removeIfPresent(bp, IdleStateHandler.class);
    removeIfPresent(bp, BackendCodec.class);
    reports.opened();
    tunnel.start();
  }

  static void removeIfPresent(ChannelPipeline p, Class<? extends ChannelHandler> type) {
    if (p.get(type) != null) {
      p.remove(type);
    }
  }

  private void opened() {
    try {
      observer.onTunnelOpened(pool);
    } catch (RuntimeException e) {
      ProxyServer.LOG.warn("observer failed on tunnel open", e);
    }
  }

  @Override
  public void relayed(boolean fromClient, int bytes) {
    try {
      observer.onTunnelBytes(pool, fromClient, bytes);
    } catch (RuntimeException e) {
      ProxyServer.LOG.warn("observer failed on tunnel bytes", e);
    }
  }

  @Override
  public void closed(TunnelSummary summary) {
    try {
      observer.onTunnelClosed(pool, summary.end());
    } catch (RuntimeException e) {
      ProxyServer.LOG.warn("observer failed on tunnel close", e);
    }
    exchange.tunnelClosed(summary);
  }
}
