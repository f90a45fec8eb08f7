package io.ballast.proxy.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.internal.tcnative.SSL;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Locale;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Watches one client connection's TLS handshake: on success records what was negotiated
 * ({@link ClientTls}, on the channel) and reports it; on failure reports why, by kind, and
 * closes the connection without the error reaching the HTTP handlers. Then it leaves the
 * pipeline, so requests never pass through it.
 *
 * <p>One per connection; event-loop only.
 */
public final class HandshakeWatch extends ChannelInboundHandlerAdapter {
  /** Told of every handshake's end. Thread-safe, non-blocking (called on event loops). */
  public interface Listener {
    void handshake(ClientTls tls);

    /**
     * A handshake failed. {@code reason}: {@code not_tls} (the client spoke something else),
     * {@code unknown_sni} (strict_sni refused the name), {@code timeout},
     * {@code client_certificate} (missing, expired, untrusted), {@code closed} (the client left
     * during the handshake), {@code protocol} (no common version or cipher, a bad message).
     */
    void failure(String reason, Throwable cause);
  }

  private final ServerTls tls;
  private final Listener listener;
  private final long openedMillis = System.currentTimeMillis();
  private String sni;
  private boolean failed;

  /** @param tls what the connection's {@link TlsAcceptor} chooses from */
  public HandshakeWatch(ServerTls tls, Listener listener) {
    this.tls = tls;
    this.listener = listener;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof SniCompletionEvent e) {
      sni = e.hostname();
      if (!e.isSuccess()) {
        fail(ctx, e.cause());
      }
    } else if (evt instanceof SslHandshakeCompletionEvent e) {
      if (e.isSuccess()) {
        succeed(ctx);
      } else {
        fail(ctx, e.cause());
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Before the handshake ends, every error is the handshake's: counted once, then closed.
    fail(ctx, cause);
  }

  private void succeed(ChannelHandlerContext ctx) {
    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
    SSLSession session = ssl.engine().getSession();
    String subject = null;
    try {
      Certificate[] peer = session.getPeerCertificates();
      if (peer.length > 0 && peer[0] instanceof X509Certificate x) {
        subject = x.getSubjectX500Principal().getName();
      }
    } catch (SSLPeerUnverifiedException e) {
      // No client certificate (none asked for, or optional and not given).
    }
    ClientTls done = new ClientTls(session.getProtocol(), session.getCipherSuite(), sni,
        ssl.applicationProtocol(), subject, resumed(ssl, session),
        tls.matchedName(sni), tls.settings().clientSubjectHeader());
    ctx.channel().attr(ClientTls.KEY).set(done);
    ctx.pipeline().remove(this);
    listener.handshake(done);
  }

  /**
   * Whether the handshake resumed a session. BoringSSL says so exactly; the JDK's engine has no
   * such call, but a resumed session keeps the time it was first made (milliseconds there),
   * which is then before this connection opened.
   */
  private boolean resumed(SslHandler ssl, SSLSession session) {
    if (ssl.engine() instanceof ReferenceCountedOpenSslEngine openssl) {
      return SSL.isSessionReused(openssl.sslPointer());
    }
    return session.getCreationTime() < openedMillis;
  }

  private void fail(ChannelHandlerContext ctx, Throwable cause) {
    if (!failed) {
      failed = true;
      listener.failure(reason(cause), cause);
    }
    ctx.close();
  }

  static String reason(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof NotSslRecordException) {
        return "not_tls";
      }
      if (t instanceof TlsAcceptor.UnknownName) {
        return "unknown_sni";
      }
      if (t instanceof SslHandshakeTimeoutException) {
        return "timeout";
      }
      if (t instanceof java.nio.channels.ClosedChannelException) {
        return "closed";
      }
      String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
      if (m.contains("certificate") || m.contains("peer_did_not_return")
          || m.contains("no_certificate") || m.contains("certpath")) {
        return "client_certificate";
      }
    }
    return "protocol";
  }
}
