package io.ballast.proxy.mirror;

import io.ballast.core.Backend;
import io.ballast.proxy.http1.HeaderRewriter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The head a copy goes out with ({@link Mirror}'s shadow copies, {@link AsideProbes}' probes):
 * what describes the client's connection removed, framing for the copy's whole body, and the
 * Host a shadow is told by. Stateless.
 */
final class CopyHead {
  private static final String SHADOW_SUFFIX = "-shadow";

  private CopyHead() {}

  /**
   * Makes {@code head} the copy's head: hop-by-hop fields out, framing for a whole body, Host
   * ({@code mark}: marked as a shadow's).
   */
  static void prepare(HttpRequest head, int bodyLength, Backend backend, boolean mark) {
    HttpHeaders h = head.headers();
    boolean framed = h.contains(HttpHeaderNames.CONTENT_LENGTH)
        || HttpUtil.isTransferEncodingChunked(head);
    HeaderRewriter.removeHopByHop(h);
    h.remove(HttpHeaderNames.EXPECT);
    h.remove(HttpHeaderNames.CONTENT_LENGTH);
    if (bodyLength > 0 || framed) {
      h.setInt(HttpHeaderNames.CONTENT_LENGTH, bodyLength);
    }
    head.setProtocolVersion(HttpVersion.HTTP_1_1);
    String host = h.get(HttpHeaderNames.HOST);
    if (mark || host == null) {
      String named = host == null ? backend.address() : host;
      h.set(HttpHeaderNames.HOST, mark ? shadowHost(named) : named);
    }
  }

  /**
   * {@code host} with {@code -shadow} after the host name and before any port:
   * {@code example.com} → {@code example.com-shadow}, {@code example.com:8080} →
   * {@code example.com-shadow:8080}, {@code [::1]:80} → {@code [::1]-shadow:80}.
   */
  static String shadowHost(String host) {
    int colon = host.lastIndexOf(':');
    int bracket = host.lastIndexOf(']');
    boolean port = colon > bracket && colon < host.length() - 1
        && (bracket >= 0 || host.indexOf(':') == colon);
    for (int i = colon + 1; port && i < host.length(); i++) {
      char c = host.charAt(i);
      port = c >= '0' && c <= '9';
    }
    return port
        ? host.substring(0, colon) + SHADOW_SUFFIX + host.substring(colon)
        : host + SHADOW_SUFFIX;
  }
}
