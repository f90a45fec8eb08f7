package io.ballast.proxy.limits;

import io.ballast.proxy.ProxyObserver;
import io.ballast.proxy.client.AccessList;
import io.ballast.proxy.client.TrustedProxies;
import io.ballast.proxy.proxyprotocol.ProxyProtocolSpec;
import io.netty.channel.Channel;

/**
 * What an {@link AcceptGate} reads of the listener it guards, whatever the listener speaks (an
 * HTTP listener's context, a TCP listener): its name, limits, access list, the peers it trusts
 * to forward for others, and who hears of refusals and holds. Each is read once per accept, so
 * a reload applies to the next connection.
 *
 * <p>Implementations are thread-safe: the gate reads them on the listening loop and on the
 * connections' loops.
 */
public interface GatedListener {
  String name();

  /** The connection limits now. */
  ListenerLimits limits();

  /** Which client addresses are served; null for every one. */
  AccessList access();

  /**
   * Peers whose clients are judged per request rather than at accept (their own address is not
   * refused nor limited per client); {@link TrustedProxies#NONE} where nothing is judged later.
   */
  TrustedProxies trustedProxies();

  /**
   * The front balancers whose PROXY protocol headers the listener reads: only they may connect,
   * and the clients they name are judged later (per request on an HTTP listener, once the header
   * is read on a TCP one). Null where clients connect directly.
   */
  ProxyProtocolSpec proxyProtocol();

  /** Who hears of refused connections and held accepts. */
  ProxyObserver observer();

  /**
   * A connection passed the gate. An HTTP listener keeps track of it until a protocol's handler
   * takes it, so that a stop gives it a moment for its first request; a TCP listener's session
   * takes it at once.
   */
  default void accepted(Channel child) {}
}
