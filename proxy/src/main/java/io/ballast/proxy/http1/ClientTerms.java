package io.ballast.proxy.http1;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * What a request's head settles about its answer on the client's side: the HTTP version the
 * answer speaks, whether the connection is kept after it, whether it is a HEAD (no body), and
 * whether the client waits for a 100 Continue before its body (sent once, when a backend
 * connection takes the request, or relayed from the backend).
 *
 * <p>Event-loop only; one per exchange, set again at each request head ({@link #begin}).
 */
final class ClientTerms {
  private HttpVersion version = HttpVersion.HTTP_1_1;
  private boolean keepAlive;
  private boolean head;
  private boolean expectContinue;
  private boolean continueSent;

  /** A request that was refused before its head could be read: nothing is promised. */
  void reset() {
    continueSent = false;
  }

  void begin(HttpRequest request) {
    version = request.protocolVersion();
    keepAlive = HttpUtil.isKeepAlive(request);
    head = HttpMethod.HEAD.equals(request.method());
    expectContinue = RequestChecks.expectsContinue(request);
    continueSent = false;
  }

  HttpVersion version() {
    return version;
  }

  /** True when an answer with {@code code} has no body on the wire. */
  boolean bodiless(int code) {
    return head || code == 204 || code == 304;
  }

  /**
   * True when the connection closes after the answer: the client asked it, the request did not
   * arrive whole, or the connection or the proxy is closing.
   */
  boolean closeAfter(boolean requestComplete, boolean closing) {
    return !keepAlive || !requestComplete || closing;
  }

  /** A backend connection took the request: a client waiting for it gets its 100 Continue. */
  void continueIfExpected(ClientSide side, boolean requestComplete) {
    if (expectContinue && !requestComplete && !continueSent) {
      continueSent = true;
      side.writeAndFlush(new DefaultFullHttpResponse(
          HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
    }
  }

  /** A 1xx before the final response ({@link Responses#relayInformational}). */
  void informational(ClientSide side, HttpResponse response, int code) {
    continueSent |= Responses.relayInformational(side, response, code, version, continueSent);
  }
}
