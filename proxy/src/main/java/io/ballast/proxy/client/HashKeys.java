package io.ballast.proxy.client;

import io.ballast.proxy.routing.RequestFacts;
import io.ballast.proxy.routing.Route;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns a request into the 64-bit key of its pool's hash picker, as its {@link HashKey} says.
 *
 * <p>Stateless; runs on the event loop. Header, cookie, query and path keys are hashed in place
 * with no allocation; a client-IP key behind trusted proxies parses X-Forwarded-For.
 */
public final class HashKeys {
  private HashKeys() {}

  /**
   * The request's key.
   *
   * @param spec where the key comes from
   * @param request the request head as received (before ballast rewrites its headers)
   * @param client the connection's direct peer
   * @param trusted the trusted proxies, for client-IP keys behind them
   */
  public static long key(HashKey spec, HttpRequest request, ClientAddress client, TrustedProxies trusted) {
    if (spec instanceof HashKey.ClientIp ip) {
      InetAddress peer = client.address();
      InetAddress origin = client.trusted() ? forwardedClient(request, trusted, peer) : peer;
      return origin == null ? random() : address(origin, ip);
    } else if (spec instanceof HashKey.Header h) {
      String text = request.headers().get(h.name());
      return text == null ? random() : hash(text, 0, text.length());
    } else if (spec instanceof HashKey.Cookie c) {
      return cookie(request.headers().get(HttpHeaderNames.COOKIE), c.name());
    } else if (spec instanceof HashKey.Query q) {
      return query(request.uri(), q.name());
    } else {
      String uri = request.uri();
      int end = uri.indexOf('?');
      return hash(uri, 0, end < 0 ? uri.length() : end);
    }
  }

  /**
   * True when the request carries the key {@code spec} names (a client IP and a path always
   * exist; a header, cookie or query parameter may be missing).
   */
  public static boolean present(HashKey spec, HttpRequest request) {
    if (spec instanceof HashKey.Header h) {
      return request.headers().contains(h.name());
    } else if (spec instanceof HashKey.Cookie c) {
      return Route.cookie(request.headers().get(HttpHeaderNames.COOKIE), c.name()) != null;
    } else if (spec instanceof HashKey.Query q) {
      String uri = request.uri();
      int mark = uri.indexOf('?');
      int hash = uri.indexOf('#');
      return mark >= 0 && RequestFacts.parameter(
          uri.substring(mark + 1, hash > mark ? hash : uri.length()), q.name()) != null;
    }
    return true;
  }

  /** FNV-1a over the UTF-16 units, then the murmur3 finalizer so that near keys spread. */
  public static long hash(CharSequence s, int from, int to) {
    long h = 0xcbf29ce484222325L;
    for (int i = from; i < to; i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    return mix(h);
  }

  static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }

  public static long random() {
    return ThreadLocalRandom.current().nextLong();
  }

  /**
   * The key of a client at {@code address} under {@code mask}, for connections that carry no
   * request to read (a TCP listener's): the same key an HTTP request from that address gets.
   */
  public static long clientIp(InetAddress address, HashKey.ClientIp mask) {
    return address(address, mask);
  }

  static long address(InetAddress address, HashKey.ClientIp mask) {
    byte[] bytes = address.getAddress();
    int prefix = bytes.length == 4 ? mask.ipv4Prefix() : mask.ipv6Prefix();
    long h = 0xcbf29ce484222325L ^ bytes.length;
    for (int i = 0; i < bytes.length; i++) {
      int keep = Math.max(0, Math.min(8, prefix - i * 8));
      int b = bytes[i] & (0xff << (8 - keep)) & 0xff;
      h = (h ^ b) * 0x100000001b3L;
    }
    return mix(h);
  }

  /**
   * The right-most X-Forwarded-For entry that is not a trusted proxy (the first hop the trusted
   * chain received the request from), or the peer when the header is absent or unreadable.
   */
  public static InetAddress forwardedClient(HttpRequest request, TrustedProxies trusted, InetAddress peer) {
    List<String> values = request.headers().getAll("X-Forwarded-For");
    InetAddress candidate = peer;
    for (int v = values.size() - 1; v >= 0; v--) {
      String value = values.get(v);
      int end = value.length();
      while (end > 0) {
        int comma = value.lastIndexOf(',', end - 1);
        String entry = value.substring(comma + 1, end).strip();
        end = comma < 0 ? 0 : comma;
        InetAddress parsed = Cidr.ipLiteral(stripPort(entry)).orElse(null);
        if (parsed == null) {
          return candidate; // garbage: stop at the last address we could trust
        }
        candidate = parsed;
        if (!trusted.contains(parsed)) {
          return parsed;
        }
      }
    }
    return candidate;
  }

  private static String stripPort(String entry) {
    if (entry.startsWith("[")) {
      int close = entry.indexOf(']');
      return close < 0 ? entry : entry.substring(1, close);
    }
    int colon = entry.indexOf(':');
    return colon >= 0 && entry.indexOf(':', colon + 1) < 0 ? entry.substring(0, colon) : entry;
  }

  static long cookie(String header, String name) {
    long range = cookieRange(header, name);
    return range < 0 ? random() : hash(header, (int) (range >>> 32), (int) range);
  }

  /**
   * Where a cookie's value is in a Cookie header, quotes removed: {@code from << 32 | to}, or -1
   * when the header is null or has no such cookie. Packed in a long so that hashing a cookie in
   * place allocates nothing.
   */
  public static long cookieRange(String header, String name) {
    if (header == null) {
      return -1;
    }
    int i = 0;
    int n = header.length();
    while (i < n) {
      while (i < n && (header.charAt(i) == ' ' || header.charAt(i) == ';')) {
        i++;
      }
      int end = header.indexOf(';', i);
      if (end < 0) {
        end = n;
      }
      int eq = header.indexOf('=', i);
      if (eq > i && eq < end && eq - i == name.length()
          && header.regionMatches(i, name, 0, name.length())) {
        int from = eq + 1;
        int to = end;
        while (to > from && header.charAt(to - 1) == ' ') {
          to--;
        }
        if (to - from >= 2 && header.charAt(from) == '"' && header.charAt(to - 1) == '"') {
          from++;
          to--;
        }
        return (long) from << 32 | to;
      }
      i = end + 1;
    }
    return -1;
  }

  static long query(String uri, String name) {
    int q = uri.indexOf('?');
    if (q < 0) {
      return random();
    }
    int i = q + 1;
    int n = uri.indexOf('#', i);
    if (n < 0) {
      n = uri.length();
    }
    while (i < n) {
      int end = uri.indexOf('&', i);
      if (end < 0 || end > n) {
        end = n;
      }
      int eq = uri.indexOf('=', i);
      boolean hasValue = eq >= 0 && eq < end;
      int nameEnd = hasValue ? eq : end;
      if (nameEnd - i == name.length() && uri.regionMatches(i, name, 0, name.length())) {
        return hasValue ? hash(uri, eq + 1, end) : hash(uri, end, end);
      }
      i = end + 1;
    }
    return random();
  }
}
