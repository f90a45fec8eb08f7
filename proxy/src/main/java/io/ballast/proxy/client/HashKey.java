package io.ballast.proxy.client;

import io.ballast.proxy.http1.HeaderRewriter;
import java.util.Objects;

/**
 * Where a hash-based pool takes a request's key from, and the code that turns a request into the
 * 64-bit key its picker consumes ({@code PickContext.hashKey()}).
 *
 * <p>Immutable and thread-safe; the key is computed by {@code HashKeys} on the event loop, which on the event loop and allocates nothing for
 * header, cookie, query and path keys (it hashes the characters in place). A request that lacks
 * the key (no such header, cookie or parameter) gets a random key, so such requests spread over
 * the pool instead of all landing on the backend that owns one fixed key.
 */
public sealed interface HashKey {
  /**
   * The client's address with a subnet mask, so that a whole /24 (or IPv6 /64) maps to one
   * backend when wanted. Behind trusted proxies, the client is the right-most address in
   * X-Forwarded-For that is not itself a trusted proxy; from any other peer the header is
   * ignored and the peer's own address is used.
   */
  record ClientIp(int ipv4Prefix, int ipv6Prefix) implements HashKey {
    public ClientIp {
      if (ipv4Prefix < 0 || ipv4Prefix > 32) {
        throw new IllegalArgumentException("ipv4Prefix: " + ipv4Prefix + " (expected: 0..32)");
      }
      if (ipv6Prefix < 0 || ipv6Prefix > 128) {
        throw new IllegalArgumentException("ipv6Prefix: " + ipv6Prefix + " (expected: 0..128)");
      }
    }
  }

  /** The value of a request header (the first one when repeated). */
  record Header(String name) implements HashKey {
    public Header {
      requireToken("name", name);
    }
  }

  /** The value of a cookie in the Cookie header. */
  record Cookie(String name) implements HashKey {
    public Cookie {
      requireToken("name", name);
    }
  }

  /** The raw (not percent-decoded) value of a query parameter. */
  record Query(String name) implements HashKey {
    public Query {
      Objects.requireNonNull(name, "name");
      if (name.isEmpty() || name.indexOf('&') >= 0 || name.indexOf('=') >= 0) {
        throw new IllegalArgumentException(
            "name: '" + name + "' (expected: a query parameter name without '&' or '=')");
      }
    }
  }

  /** The request path, without the query. */
  record Path() implements HashKey {}

  /** The client IP with no mask, the usual default of hash-based pools. */
  HashKey CLIENT_IP = new ClientIp(32, 128);

  private static void requireToken(String field, String name) {
    Objects.requireNonNull(name, field);
    if (name.isEmpty() || !HeaderRewriter.isToken(name)) {
      throw new IllegalArgumentException(field + ": '" + name + "' (expected: a token such as X-User-Id)");
    }
  }
}
