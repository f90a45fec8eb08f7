package io.ballast.proxy.tcp;

import io.ballast.proxy.ProxyObserver;
import io.ballast.proxy.client.AccessList;
import io.ballast.proxy.proxyprotocol.ProxyHeaderReader;
import io.ballast.proxy.proxyprotocol.ProxyProtocolSpec;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;

/**
 * What a TCP listener's connection reads before its backend is chosen, when its listener asks
 * for anything ({@link TcpListenerSpec#readsFirst}); a listener that asks for nothing keeps the
 * session's zero-read path (the backend is found at accept, the client's bytes wait in the
 * kernel). In order:
 * <ol>
 *   <li>with {@code proxyProtocol}: the front balancer's PROXY header ({@link ProxyHeaderReader},
 *       as on HTTP listeners: malformed, late and untrusted ones are refused and counted in
 *       {@link ProxyObserver#onClientConnectionRefused}). The client it names is the
 *       connection's client from then on; the listener's access list judges it then (at accept
 *       it judged nobody: the peer is a front balancer), and a refused one is closed and counted
 *       ({@code access_list}) as at accept. A {@code LOCAL} header keeps the peer as the client;
 *   <li>the {@link TcpSession} opens, with that client;
 *   <li>with {@code sni}: the ClientHello ({@link ClientHelloReader}), whose verdict picks the
 *       session's pool or ends it; without, the session starts on the listener's pool at once.
 * </ol>
 * What was read past the header and the ClientHello reaches the session, which holds it for the
 * backend. The pipeline: {@code [HAProxyMessageDecoder, ProxyHeaderReader]},
 * {@code [ClientHelloReader]}, {@code TcpSession}; each reader leaves once it has read.
 *
 * <p>Reading: the listener's connections do not read on their own ({@code AUTO_READ} off), so
 * the first read of each phase is asked for here and by the ClientHello reader; each decoder
 * asks for more while what it reads is incomplete.
 *
 * <p>Stateless; runs on the connection's event loop.
 */
final class ReadFirst {
  private ReadFirst() {}

  /** Installs the phases {@code spec} asks for on {@code ch}, then {@code session}. */
  static void install(Channel ch, TcpListenerSpec spec, TcpSession session,
      ProxyObserver observer) {
    ProxyProtocolSpec proxyProtocol = spec.proxyProtocol();
    if (proxyProtocol == null) {
      afterHeader(ch, spec, session, null);
      return;
    }
    ProxyHeaderReader.install(ch, proxyProtocol, new ProxyHeaderReader.Outcome() {
      @Override
      public void accepted(Channel connection) {
        InetSocketAddress client = ProxyHeaderReader.client(connection);
        InetSocketAddress judged = client != null ? client
            : (InetSocketAddress) connection.remoteAddress();
        AccessList access = spec.access();
        if (access != null && !access.permits(judged.getAddress())) {
          observer.onClientConnectionRefused(spec.name(), "access_list");
          connection.close();
          return;
        }
        afterHeader(connection, spec, session, client);
      }

      @Override
      public void refused(Channel connection, String reason) {
        observer.onClientConnectionRefused(spec.name(), reason);
      }
    });
    // Registered already (this runs from the channel's initializer): the header's first bytes.
    ch.read();
  }

  private static void afterHeader(Channel ch, TcpListenerSpec spec, TcpSession session,
      InetSocketAddress client) {
    if (!ch.isActive()) {
      // Closed already: it would never hear its end, so it is never counted open.
      ch.close();
      return;
    }
    session.open(ch, client);
    SniSpec sni = spec.sni();
    if (sni == null) {
      ch.pipeline().addLast(session);
      session.start(spec.pool());
      return;
    }
    ch.pipeline().addLast(new ClientHelloReader(sni, session), session);
  }
}
