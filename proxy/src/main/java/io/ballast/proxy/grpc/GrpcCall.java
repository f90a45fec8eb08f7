package io.ballast.proxy.grpc;

import io.ballast.core.attempt.GrpcStatus;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;

/**
 * What one exchange knows of the gRPC call it serves, if its request is one: whether it is a
 * call, its deadline, and the gRPC status its answer carried (in a trailers-only head, or in its
 * trailers) for the log. Reused for each request of a connection ({@link #begin}).
 *
 * <p>Event-loop only; one per exchange.
 */
public final class GrpcCall {
  private boolean call;
  /** The deadline on System.nanoTime(), or 0 when the call has none. */
  private long deadline;
  /** The answer's head carried the status: it is the whole answer. */
  private boolean trailersOnly;
  private int status = -1;

  /** A request begins: is it a call, and by when must it be answered. */
  public void begin(HttpRequest request) {
    call = GrpcCalls.isCall(request);
    long timeout = call ? GrpcCalls.timeoutNanos(request) : -1;
    deadline = timeout < 0 ? 0 : System.nanoTime() + timeout;
    trailersOnly = false;
    status = -1;
  }

  /** True when the request is a gRPC call: its answer is judged by its grpc-status. */
  public boolean isCall() {
    return call;
  }

  /** What is left of the call's deadline; Long.MAX_VALUE when it has none (or is no call). */
  public long remainingNanos() {
    return deadline == 0 ? Long.MAX_VALUE : deadline - System.nanoTime();
  }

  /** The gRPC status the client got; -1 when none (yet, or no call). */
  public int status() {
    return status;
  }

  /**
   * The head of the backend's answer goes to the client: what to write. A head that carries the
   * call's status is the whole answer (HTTP/2: one HEADERS frame with END_STREAM); written as a
   * head and an empty end, a client would read the status as initial metadata and miss the
   * trailers it waits for. Releases {@code head} when it returns another message.
   */
  public HttpResponse head(HttpResponse head) {
    if (!call) {
      return head;
    }
    status = GrpcCalls.status(head.headers());
    trailersOnly = status >= 0;
    if (!trailersOnly) {
      return head;
    }
    FullHttpResponse whole = new DefaultFullHttpResponse(head.protocolVersion(), head.status(),
        Unpooled.EMPTY_BUFFER, head.headers(), EmptyHttpHeaders.INSTANCE);
    ReferenceCountUtil.release(head);
    return whole;
  }

  /**
   * The status that judges the attempt whose answer's head is {@code head} with HTTP status
   * {@code code}: the HTTP equivalent of a call's status given in the head (a trailers-only
   * answer), -1 when a call's status will come in its trailers, else {@code code}.
   */
  public int judge(int code, HttpHeaders head) {
    if (!call || code != 200) {
      return code;
    }
    int s = GrpcCalls.status(head);
    return s < 0 ? -1 : GrpcStatus.httpEquivalent(s);
  }

  /**
   * The status that judges an attempt judged at its end, from the answer's {@code last} part:
   * the HTTP equivalent of the call's status in its trailers; 200 without one.
   */
  public int judgeEnd(LastHttpContent last) {
    int s = call ? GrpcCalls.status(last.trailingHeaders()) : -1;
    return s < 0 ? 200 : GrpcStatus.httpEquivalent(s);
  }

  /** True when the head was the whole answer: what the backend sends after it is dropped. */
  public boolean headWasAll() {
    return trailersOnly;
  }

  /** The end of the answer: its trailers' status, if any, is the call's. */
  public void last(LastHttpContent last) {
    if (call) {
      int s = GrpcCalls.status(last.trailingHeaders());
      if (s >= 0) {
        status = s;
      }
    }
  }

  /**
   * Ballast answers the call itself with {@code httpStatus}: the trailers-only gRPC status that
   * means it.
   */
  public FullHttpResponse answer(int httpStatus, String reason, AsciiString idHeader,
      String requestId) {
    status = GrpcStatus.ofHttp(httpStatus);
    return GrpcCalls.trailersOnly(httpStatus, reason, idHeader, requestId);
  }
}
