package io.ballast.proxy.http2;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpScheme;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Turns HTTP/1.1 message heads into HTTP/2 fields, in one pass and one copy: the response head
 * the exchange relays to an HTTP/2 client ({@link #response}), the request head it sends to an
 * HTTP/2 backend ({@link #request}), and trailers ({@link #trailers}).
 *
 * <p>RFC 9113 section 8.2.2: connection-specific fields never go out over HTTP/2 ({@code
 * connection} and every field it names, {@code keep-alive}, {@code proxy-connection}, {@code
 * transfer-encoding}, {@code upgrade}), nor {@code host}, nor Netty's {@code x-http2-*} extension
 * fields; {@code te} only as {@code trailers}. Names are lower-cased (section 8.2.1), but only
 * those with an upper-case letter are copied to do it.
 *
 * <p>Why not Netty's {@code HttpConversionUtil.toHttp2Headers}: it builds a map of the
 * Connection field's tokens for every response (there is rarely one: the exchange removed the
 * hop-by-hop fields already), lower-cases every name into a new string, and validates each
 * field again, although the backend's decoder validated them and ballast's own come from its
 * config. The values are not checked here for the same reason.
 *
 * <p>Stateless and thread-safe.
 */
public final class Http1ToHttp2 {
  private static final AsciiString EXTENSION_PREFIX = AsciiString.cached("x-http2-");
  private static final ExtensionHeaderNames[] EXTENSIONS = ExtensionHeaderNames.values();

  private Http1ToHttp2() {}

  /** The HEADERS of {@code response}: {@code :status} and its fields. */
  public static Http2Headers response(HttpResponse response) {
    HttpHeaders in = response.headers();
    Http2Headers out = new DefaultHttp2Headers(false, in.size() + 1);
    out.status(response.status().codeAsText());
    copy(in, out);
    return out;
  }

  /**
   * The HEADERS of {@code request} to a backend, over TLS or not ({@code secure}: the
   * {@code :scheme}). ballast's requests have an origin-form target or {@code *} (the request
   * checks made it so), which is the {@code :path} as it is, and {@code Host} is the
   * {@code :authority}; any other target goes through Netty's translation, which knows them all.
   */
  public static Http2Headers request(HttpRequest request, boolean secure) {
    String uri = request.uri();
    if (!uri.startsWith("/") && !"*".equals(uri)) {
      request.headers().set(ExtensionHeaderNames.SCHEME.text(),
          secure ? HttpScheme.HTTPS.name() : HttpScheme.HTTP.name());
      return HttpConversionUtil.toHttp2Headers(request, false);
    }
    HttpHeaders in = request.headers();
    Http2Headers out = new DefaultHttp2Headers(false, in.size() + 3);
    out.method(request.method().asciiName())
        .scheme(secure ? HttpScheme.HTTPS.name() : HttpScheme.HTTP.name())
        .path(uri);
    String host = in.get(HttpHeaderNames.HOST);
    if (host != null) {
      // RFC 9113 section 8.3.1: the authority has no userinfo.
      out.authority(host.substring(host.indexOf('@') + 1));
    }
    copy(in, out);
    return out;
  }

  /** The trailing HEADERS of a message's {@code trailers} (not empty). */
  public static Http2Headers trailers(HttpHeaders trailers) {
    Http2Headers out = new DefaultHttp2Headers(false, trailers.size());
    copy(trailers, out);
    return out;
  }

  private static void copy(HttpHeaders in, Http2Headers out) {
    List<CharSequence> named =
        in.contains(HttpHeaderNames.CONNECTION) ? connectionTokens(in) : null;
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = in.iteratorCharSequence();
        it.hasNext(); ) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      CharSequence name = e.getKey();
      if (hopByHop(name) || named != null && listed(named, name)) {
        continue;
      }
      if (HttpHeaderNames.TE.contentEqualsIgnoreCase(name)) {
        if (teTrailers(e.getValue())) {
          out.add(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
        }
        continue;
      }
      out.add(lowerCase(name), e.getValue());
    }
  }

  /** The fields that never cross to HTTP/2 whatever the Connection field says. */
  static boolean hopByHop(CharSequence name) {
    boolean fixed = switch (name.length()) {
      case 4 -> HttpHeaderNames.HOST.contentEqualsIgnoreCase(name);
      case 7 -> HttpHeaderNames.UPGRADE.contentEqualsIgnoreCase(name);
      case 10 -> HttpHeaderNames.CONNECTION.contentEqualsIgnoreCase(name)
          || HttpHeaderNames.KEEP_ALIVE.contentEqualsIgnoreCase(name);
      case 16 -> HttpHeaderNames.PROXY_CONNECTION.contentEqualsIgnoreCase(name);
      case 17 -> HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name);
      default -> false;
    };
    return fixed || extension(name);
  }

  /**
   * True for the names Netty's translation gives a hop's facts ({@code x-http2-stream-id},
   * {@code x-http2-scheme}, ...): they belong to no message that crosses ballast.
   */
  static boolean extension(CharSequence name) {
    if (name.length() <= EXTENSION_PREFIX.length()
        || !AsciiString.regionMatches(name, true, 0, EXTENSION_PREFIX, 0,
            EXTENSION_PREFIX.length())) {
      return false;
    }
    for (ExtensionHeaderNames n : EXTENSIONS) {
      if (n.text().contentEqualsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  /** The field names the Connection fields list, trimmed. */
  private static List<CharSequence> connectionTokens(HttpHeaders in) {
    List<CharSequence> tokens = new ArrayList<>(4);
    for (String value : in.getAll(HttpHeaderNames.CONNECTION)) {
      int start = 0;
      while (start <= value.length()) {
        int comma = value.indexOf(',', start);
        int end = comma < 0 ? value.length() : comma;
        String token = value.substring(start, end).trim();
        if (!token.isEmpty()) {
          tokens.add(token);
        }
        start = end + 1;
      }
    }
    return tokens;
  }

  private static boolean listed(List<CharSequence> named, CharSequence name) {
    for (int i = 0; i < named.size(); i++) {
      if (AsciiString.contentEqualsIgnoreCase(named.get(i), name)) {
        return true;
      }
    }
    return false;
  }

  /** True when a TE field's value lists {@code trailers} (the one TE value HTTP/2 allows). */
  private static boolean teTrailers(CharSequence value) {
    String v = value.toString();
    int start = 0;
    while (start <= v.length()) {
      int comma = v.indexOf(',', start);
      int end = comma < 0 ? v.length() : comma;
      if (HttpHeaderValues.TRAILERS.contentEqualsIgnoreCase(v.substring(start, end).trim())) {
        return true;
      }
      start = end + 1;
    }
    return false;
  }

  /**
   * {@code name} in lower case: itself when it has no upper-case letter; the constant of a
   * common field (an HTTP/1.1 backend writes {@code Content-Type}, {@code Date}...: no copy for
   * those); else a lower-cased copy.
   */
  static CharSequence lowerCase(CharSequence name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        AsciiString known = KNOWN[AsciiString.hashCode(name) & (KNOWN.length - 1)];
        return known != null && known.contentEqualsIgnoreCase(name) ? known
            : AsciiString.of(name).toLowerCase();
      }
    }
    return name;
  }

  /**
   * Common response fields by their case-insensitive hash ({@link AsciiString#hashCode}); a
   * slot two names share keeps the first.
   */
  private static final AsciiString[] KNOWN = known(HttpHeaderNames.CONTENT_TYPE,
      HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.DATE, HttpHeaderNames.SERVER,
      HttpHeaderNames.CACHE_CONTROL, HttpHeaderNames.ETAG, HttpHeaderNames.LAST_MODIFIED,
      HttpHeaderNames.EXPIRES, HttpHeaderNames.VARY, HttpHeaderNames.SET_COOKIE,
      HttpHeaderNames.LOCATION, HttpHeaderNames.CONTENT_ENCODING, HttpHeaderNames.ACCEPT_RANGES,
      HttpHeaderNames.AGE, HttpHeaderNames.PRAGMA, HttpHeaderNames.CONTENT_LANGUAGE,
      HttpHeaderNames.CONTENT_DISPOSITION, HttpHeaderNames.CONTENT_RANGE,
      HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN,
      HttpHeaderNames.WWW_AUTHENTICATE, HttpHeaderNames.RETRY_AFTER, HttpHeaderNames.ALT_SVC,
      HttpHeaderNames.X_FRAME_OPTIONS, HttpHeaderNames.CONTENT_SECURITY_POLICY);

  private static AsciiString[] known(AsciiString... names) {
    AsciiString[] table = new AsciiString[128];
    for (AsciiString n : names) {
      int slot = AsciiString.hashCode(n) & (table.length - 1);
      if (table[slot] == null) {
        table[slot] = n;
      }
    }
    return table;
  }
}
