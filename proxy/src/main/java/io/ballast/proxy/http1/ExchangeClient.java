package io.ballast.proxy.http1;

import io.ballast.proxy.client.ClientAddress;
import io.ballast.proxy.tls.ClientTls;
import io.ballast.proxy.tunnel.Tunnel;
import io.ballast.proxy.tunnel.TunnelSide;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;

/**
 * What an {@link Exchange} asks of the client it serves: an HTTP/1.1 connection
 * ({@link ClientHandler}, one exchange for all its requests) or an HTTP/2 stream (one request).
 * The exchange is the same for both; what differs between the protocols is here.
 *
 * <p>Event-loop only.
 */
public interface ExchangeClient {
  /** Where the answer goes. */
  ClientSide side();

  ClientAddress address();

  /** What the connection's TLS handshake settled, or null on a plain connection. */
  ClientTls tls();

  /** The protocol the client spoke, for the access log. */
  String protocol(HttpRequest request);

  /** True when the connection closes after the current response. */
  boolean closing();

  /** The connection takes no request after the current one (its request limit was reached). */
  void drain();

  /** True when {@code request} asked for a WebSocket upgrade that ballast may tunnel. */
  boolean upgradeRequested(HttpRequest request);

  /** True unless the request's head left its stream open (HTTP/2 trailers may follow). */
  boolean headIsWholeRequest();

  /** True on an HTTP/2 stream whose request is a WebSocket handshake (RFC 8441). */
  boolean extendedConnect();

  /** Reads the client, or stops, as the exchange can take its bytes or not. */
  void updateReading();

  /** The exchange wrote its last byte (or gave up); {@code close}: the connection closes. */
  void onExchangeEnd(boolean close);

  /** The request's head is refused: nothing more is read, and the answer ends the client. */
  void refusing();

  /** The client's end of a tunnel (its connection, or its stream). */
  TunnelSide tunnelSide();

  /**
   * The backend took the WebSocket upgrade ({@code upgrade}, its prepared 101): the client gets
   * its protocol's answer, its bytes go to {@code tunnel} from now on (what it sent early first),
   * and reading and closing are the tunnel's.
   */
  void switchToTunnel(HttpResponse upgrade, Tunnel tunnel);
}
