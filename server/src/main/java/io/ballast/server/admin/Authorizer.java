package io.ballast.server.admin;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who may act through the admin listener: a request with {@code Authorization: Bearer <token>}
 * and the configured token, compared in constant time; without a configured token every action
 * is refused (the listener is read-only). A reload may change the token
 * ({@link #useToken}).
 *
 * <p>Thread-safe: the token is one volatile reference.
 */
final class Authorizer {
  /** The bearer token as bytes; null: read-only. */
  private volatile byte[] token;

  Authorizer(String token) {
    useToken(token);
  }

  void useToken(String token) {
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
  }

  /** Null when the request may act (one of {@code methods}, right token), else the refusal. */
  FullHttpResponse refuse(FullHttpRequest req, Set<HttpMethod> methods) {
    if (!methods.contains(req.method())) {
      String allowed = methods.stream().map(HttpMethod::name).sorted()
          .collect(Collectors.joining(", "));
      FullHttpResponse res = Http.text(HttpResponseStatus.METHOD_NOT_ALLOWED,
          "method not allowed: " + req.method() + " (expected: " + allowed + ")\n");
      res.headers().set(HttpHeaderNames.ALLOW, allowed);
      return res;
    }
    byte[] t = token;
    if (t == null) {
      return Http.text(HttpResponseStatus.FORBIDDEN,
          "admin actions are off: set admin.token in the configuration to enable them\n");
    }
    if (!authorized(req, t)) {
      FullHttpResponse res = Http.text(HttpResponseStatus.UNAUTHORIZED,
          "missing or wrong token\n");
      res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
      return res;
    }
    return null;
  }

  /** As {@link #refuse(FullHttpRequest, Set)} for a POST action. */
  FullHttpResponse refuse(FullHttpRequest req) {
    return refuse(req, Set.of(HttpMethod.POST));
  }

  private static boolean authorized(FullHttpRequest req, byte[] token) {
    String header = req.headers().get(HttpHeaderNames.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    byte[] given = header.substring(7).strip().getBytes(StandardCharsets.UTF_8);
    // Constant time, so the token cannot be found a byte at a time by timing.
    return MessageDigest.isEqual(given, token);
  }
}
