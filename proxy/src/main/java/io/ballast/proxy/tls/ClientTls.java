package io.ballast.proxy.tls;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * What a client connection's TLS handshake settled, for routing, forwarding headers, the access
 * log and metrics. Set on the channel once the handshake succeeds; absent on plain connections.
 * Immutable.
 *
 * @param protocol {@code TLSv1.3} or {@code TLSv1.2}
 * @param cipher the negotiated cipher suite (IANA name)
 * @param sni the host name the client asked for, or null when it sent none
 * @param alpn the application protocol agreed by ALPN, or null when none was
 * @param clientSubject the verified client certificate's subject (RFC 2253), or null when the
 *     client presented none
 * @param resumed true when the session was resumed rather than newly negotiated
 * @param serverName the configured certificate name that matched {@code sni} (exact or
 *     {@code *.} wildcard), or null when none did and the default answered: a bounded set, fit
 *     for a metric label where the client's own {@code sni} is not
 * @param subjectHeader the request header that carries {@code clientSubject} to backends and is
 *     removed from what the client sends; null for none
 */
public record ClientTls(String protocol, String cipher, String sni, String alpn,
    String clientSubject, boolean resumed, String serverName, String subjectHeader) {

  static final AttributeKey<ClientTls> KEY = AttributeKey.valueOf(ClientTls.class, "tls");

  /** The connection's TLS facts, or null for a plain connection (or before the handshake). */
  public static ClientTls of(Channel channel) {
    return channel.attr(KEY).get();
  }
}
