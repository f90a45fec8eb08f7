package io.ballast.proxy.http2;

import io.ballast.proxy.ListenerContext;
import io.ballast.proxy.ProxySettings;
import io.ballast.proxy.http1.ProtocolSwitch;
import io.ballast.proxy.http1.ServerCodec;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The HTTP/1.1 upgrade to cleartext HTTP/2 (RFC 7540 section 3.2): a request with
 * {@code Upgrade: h2c}, one {@code HTTP2-Settings} header and both named in {@code Connection}
 * gets 101 Switching Protocols, and is then served as stream 1 of the new HTTP/2 connection.
 *
 * <p>Taken only when it can succeed: on a cleartext connection, for a request without a body
 * (its body would have to be read whole before the switch; RFC 7540 lets a server decline and
 * answer over HTTP/1.1, which is what such a request gets), with settings that decode. Netty's
 * upgrade handler does the switch: it answers 101, removes the HTTP/1.1 codec, installs the
 * HTTP/2 handlers and replays the request on stream 1.
 *
 * <p>Thread-safe (immutable); called on the connection's event loop.
 */
public final class H2cUpgrade implements ProtocolSwitch {
  private static final String H2C = "h2c";
  private final ListenerContext listener;
  private final ProxySettings settings;

  public H2cUpgrade(ListenerContext listener, ProxySettings settings) {
    this.listener = listener;
    this.settings = settings;
  }

  @Override
  public boolean upgrade(ChannelHandlerContext ctx, HttpRequest request, boolean secure) {
    HttpHeaders h = request.headers();
    if (secure || !h.contains(HttpHeaderNames.UPGRADE)
        || !tokens(h.getAll(HttpHeaderNames.UPGRADE)).contains(H2C)) {
      return false;
    }
    List<String> connection = tokens(h.getAll(HttpHeaderNames.CONNECTION));
    List<String> settingsHeaders = h.getAll(Http2CodecUtil.HTTP_UPGRADE_SETTINGS_HEADER);
    if (!connection.contains("upgrade") || !connection.contains("http2-settings")
        || settingsHeaders.size() != 1 || !decodes(settingsHeaders.get(0))) {
      return false;
    }
    if (HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) != 0) {
      return false;
    }
    ChannelHandlerContext codec = ctx.pipeline().context(ServerCodec.class);
    if (codec == null) {
      return false;
    }
    ChannelHandler[] h2 = Http2Server.handlers(listener, settings, true);
    HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(
        source -> source.pipeline().remove(ServerCodec.class),
        protocol -> H2C.contentEquals(protocol)
            ? new Http2ServerUpgradeCodec((String) null, (Http2ServerCodec) h2[0], h2[1], h2[2])
            : null,
        0);
    ctx.pipeline().addAfter(codec.name(), "h2c-upgrade", upgrade);
    // The upgrade handler now sits right after the codec: the head goes to it, and so does the
    // end of the request, which the codec passes on next.
    codec.fireChannelRead(request);
    return true;
  }

  /** The lower-cased, trimmed comma-separated tokens of header {@code values}. */
  private static List<String> tokens(List<String> values) {
    return values.stream()
        .flatMap(v -> java.util.Arrays.stream(v.split(",")))
        .map(t -> t.trim().toLowerCase(Locale.ROOT))
        .toList();
  }

  /**
   * True when an HTTP2-Settings value is base64url of whole settings entries (6 bytes each)
   * whose values are in range (RFC 9113 section 6.5.2).
   */
  static boolean decodes(String value) {
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(value.trim());
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (bytes.length % 6 != 0) {
      return false;
    }
    Http2Settings s = new Http2Settings();
    try {
      for (int i = 0; i < bytes.length; i += 6) {
        char id = (char) (((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff));
        long v = ((bytes[i + 2] & 0xffL) << 24) | ((bytes[i + 3] & 0xffL) << 16)
            | ((bytes[i + 4] & 0xffL) << 8) | (bytes[i + 5] & 0xffL);
        s.put(id, (Long) v);
      }
    } catch (IllegalArgumentException e) {
      return false;
    }
    return true;
  }
}
