package io.ballast.proxy.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.Future;
import javax.net.ssl.SSLHandshakeException;

/**
 * The first TLS handler of a client connection: reads the ClientHello, picks the certificate by
 * the name the client asked for ({@link ServerTls#select}) and puts the handshake handler in its
 * place. A ClientHello that is not TLS at all still gets the default context, whose handshake
 * then fails with a clear cause ({@link HandshakeWatch} counts it).
 *
 * <p>One per connection, made with the listener's {@link ServerTls} of the moment: a
 * certificate reload changes what the next connections get and nothing else. Event-loop only.
 */
public final class TlsAcceptor extends SniHandler {
  /** The failure of a lookup refused by {@code strict_sni}; the watcher counts it by type. */
  static final class UnknownName extends SSLHandshakeException {
    UnknownName(String name) {
      super(name == null ? "no server name in the ClientHello (strict_sni)"
          : "no certificate for server name '" + name + "' (strict_sni)");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  private final ServerTls tls;

  public TlsAcceptor(ServerTls tls) {
    super((String name) -> tls.select(name), tls.settings().handshakeTimeout().toMillis());
    this.tls = tls;
  }

  @Override
  protected Future<SslContext> lookup(ChannelHandlerContext ctx, String hostname) {
    SslContext context = tls.select(hostname);
    return context != null
        ? ctx.executor().newSucceededFuture(context)
        : ctx.executor().newFailedFuture(new UnknownName(hostname));
  }
}
