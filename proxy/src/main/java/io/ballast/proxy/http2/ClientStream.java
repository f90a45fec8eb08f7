package io.ballast.proxy.http2;

import io.ballast.proxy.ListenerContext;
import io.ballast.proxy.client.ClientAddress;
import io.ballast.proxy.http1.ClientSide;
import io.ballast.proxy.http1.Exchange;
import io.ballast.proxy.http1.ExchangeClient;
import io.ballast.proxy.http1.ServerCodec;
import io.ballast.proxy.tls.ClientTls;
import io.ballast.proxy.tunnel.Tunnel;
import io.ballast.proxy.tunnel.TunnelSide;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * One HTTP/2 stream of a client's connection, served by the same {@link Exchange} as an HTTP/1.1
 * connection, without a channel of its own: the connection's {@link StreamDispatch} hands it the
 * stream's frames and events.
 *
 * <ul>
 *   <li>Its request reads like an HTTP/1.1 connection's: the head ({@link StreamRequestHead}),
 *       body parts and a last part ({@link Http2ToHttp1}), through a {@link StreamInbox} whose
 *       held frames and window are the backpressure; its answer goes out through a
 *       {@link StreamOut}.
 *   <li>A WebSocket's extended CONNECT (RFC 8441) becomes the HTTP/1.1 handshake for the
 *       backend, the stream's data held meanwhile; after the backend's 101 the stream is the
 *       client side of a {@link Tunnel} ({@link StreamTunnelPart}).
 *   <li>It notes when it last moved (a frame from the client, room regained to write) for the
 *       connection's stall check ({@link #stalledFor}).
 * </ul>
 *
 * <p>Why no channel: a channel per stream (Netty's multiplexer) registers a channel and builds a
 * pipeline for every request, makes a promise and its listeners for every frame, and closes
 * with a task; under h2load that machinery was about a fifth of the event loop's samples.
 *
 * <p>One instance per stream; event-loop only (the connection's).
 */
final class ClientStream extends StreamSet.Member implements ExchangeClient {
  private enum State { AWAITING_HEAD, EXCHANGE, TUNNEL, CLOSING }

  private final StreamDispatch dispatch;
  private final Http2ServerConnection connection;
  private final int id;
  private final Http2Stream h2;
  private final StreamOut out;
  private final StreamInbox in;
  private final Exchange exchange;
  private State state = State.AWAITING_HEAD;
  private boolean closed;
  /** The request is a WebSocket handshake. */
  private boolean websocket;
  /** A handshake's held data, then its tunnel; null for any other request. */
  private StreamTunnelPart tunnel;
  /** Above 0 while a request head is handed to the exchange (see {@code ClientHandler}). */
  private int beginning;
  private long movedNanos = System.nanoTime();

  ClientStream(StreamDispatch dispatch, Http2ServerConnection connection, int id, Http2Stream h2) {
    this.dispatch = dispatch;
    this.connection = connection;
    this.id = id;
    this.h2 = h2;
    this.out = new StreamOut(dispatch, id, h2);
    this.in = new StreamInbox(dispatch.window(h2), this::deliver, this::readEnded);
    ListenerContext listener = connection.listener();
    this.exchange = new Exchange(this, listener,
        listener.upstreamPool(dispatch.channel().eventLoop()), connection.deadlines());
    connection.streamOpened(this);
  }

  // ---- frames in

  /** A frame of this stream from the client. */
  @Override
  public void read(Http2StreamFrame frame) {
    movedNanos = System.nanoTime();
    if (tunnel != null && tunnel.holding() && !closed) {
      in.taken(frame);
      tunnel.hold(frame);
    } else {
      in.offer(frame);
    }
  }

  private void deliver(Http2StreamFrame frame) {
    switch (state) {
      case TUNNEL -> {
        in.taken(frame);
        tunnel.read(frame);
      }
      case AWAITING_HEAD -> {
        if (frame instanceof Http2HeadersFrame h) {
          head(h);
        } else {
          drop(frame);
        }
      }
      case EXCHANGE -> {
        if (exchange.requestComplete()) {
          drop(frame);
        } else if (frame instanceof Http2DataFrame data) {
          in.taken(data);
          exchange.onRequestContent(Http2ToHttp1.bodyPart(data));
        } else if (frame instanceof Http2HeadersFrame trailers) {
          exchange.onRequestContent(Http2ToHttp1.trailers(trailers.headers()));
        } else {
          drop(frame);
        }
      }
      case CLOSING -> drop(frame);
    }
  }

  private void drop(Http2StreamFrame frame) {
    in.taken(frame);
    ReferenceCountUtil.release(frame);
  }

  /** The request's head: it is served, or the stream reset. */
  private void head(Http2HeadersFrame frame) {
    StreamRequestHead head = StreamRequestHead.of(frame.headers(), frame.isEndStream());
    if (head.refusal() != null) {
      reset(head.refusal());
      return;
    }
    HttpRequest request = head.request();
    if (head.websocket()) {
      websocket = true;
      tunnel = new StreamTunnelPart(this, dispatch);
    } else {
      // Over limits.max_header_count: 431 on this stream, as on HTTP/1.1 (RFC 9113 section
      // 10.5.1); the connection's other streams go on.
      ServerCodec.limitFields(request, connection.maxHeaderCount());
    }
    if (exchange.refused(request)) {
      return;
    }
    state = State.EXCHANGE;
    beginning++;
    try {
      exchange.begin(request);
    } finally {
      beginning--;
    }
    updateReading();
    // The head ended the request (a handshake always does: what follows is the tunnel's).
    if ((frame.isEndStream() || websocket) && state == State.EXCHANGE
        && !exchange.requestComplete()) {
      exchange.onRequestContent(LastHttpContent.EMPTY_LAST_CONTENT);
    }
  }

  /** The end of the connection's read that brought this stream frames. */
  @Override
  public void readComplete() {
    readEnded();
    in.giveBack();
  }

  private void readEnded() {
    if (state == State.EXCHANGE) {
      exchange.flushUpstream();
    } else if (state == State.TUNNEL) {
      tunnel.readComplete();
    }
  }

  // ---- events

  @Override
  public void writabilityChanged() {
    if (out.isWritable()) {
      movedNanos = System.nanoTime();
    }
    if (state == State.EXCHANGE) {
      exchange.onClientWritabilityChanged();
    } else if (state == State.TUNNEL) {
      tunnel.writabilityChanged();
    }
  }

  /**
   * The codec found a stream error on this stream: a malformed request is reset with
   * PROTOCOL_ERROR (RFC 9113 section 8.1.1), any other error with CANCEL.
   */
  void streamError(Throwable cause) {
    if (cause instanceof DecoderException || cause instanceof Http2Exception
        || cause instanceof IllegalArgumentException) {
      reset(Http2Error.PROTOCOL_ERROR);
    } else {
      cancel();
    }
  }

  /** The stream closed, whoever closed it. */
  void closed() {
    if (closed) {
      return;
    }
    closed = true;
    out.closed();
    in.close();
    boolean served = state == State.EXCHANGE;
    state = State.CLOSING;
    connection.streamClosed(this);
    if (tunnel != null) {
      tunnel.closed();
    }
    // A stream whose answer was written whole, or that its exchange reset, closed because the
    // exchange ended it; any other close ends a request in progress as a client gone.
    if (served && !out.finished() && !out.cancelled()) {
      exchange.onClientClosed();
    }
  }

  /** Resets the stream with {@code error}, counted as ballast's answer to a bad request. */
  private void reset(Http2Error error) {
    connection.observe(false, error);
    end(error);
  }

  /** Ends the stream from the connection's side (it stalled): reset with CANCEL. */
  void cancel() {
    end(Http2Error.CANCEL);
  }

  /** Handling the stream threw (a fault of ballast's): reset with CANCEL, as a stall is. */
  @Override
  public void crashed(RuntimeException e) {
    cancel();
  }

  @Override
  public int id() {
    return id;
  }


  /** Resets the stream; a request in progress ends as if its client had gone. */
  private void end(Http2Error error) {
    if (closed) {
      return;
    }
    boolean served = state == State.EXCHANGE;
    if (!served) {
      state = State.CLOSING;
    }
    // The codec closes the stream as the reset goes, which may have told the exchange already.
    dispatch.reset(id, error);
    if (served && state == State.EXCHANGE) {
      exchange.onClientClosed();
    }
  }

  // ---- seen by the connection

  /** True while the stream waits on its client (or serves nothing). */
  boolean waitingOnClient() {
    return state != State.EXCHANGE || exchange.waitingOnClient();
  }

  /** The connection's periodic look at the request body. */
  void checkBody(long now) {
    if (state == State.EXCHANGE) {
      exchange.checkBody(now);
    }
  }

  /**
   * How long the stream has been stuck on its client at {@code now}; 0 while it moves, waits on
   * a backend, or serves no request (a tunnel times itself).
   */
  long stalledFor(long now) {
    if (state != State.EXCHANGE) {
      return 0;
    }
    boolean stuck = exchange.waitingOnClient() || !out.isWritable();
    return stuck ? now - movedNanos : 0;
  }

  // ---- for its tunnel side

  boolean isActive() {
    return !closed;
  }

  StreamOut out() {
    return out;
  }

  void setReading(boolean on) {
    in.setReading(on);
  }

  // ---- ExchangeClient

  @Override
  public ClientSide side() {
    return out;
  }

  @Override
  public ClientAddress address() {
    return connection.address();
  }

  @Override
  public ClientTls tls() {
    return connection.tls();
  }

  @Override
  public String protocol(HttpRequest request) {
    return "HTTP/2.0";
  }

  @Override
  public boolean closing() {
    return state == State.CLOSING;
  }

  /**
   * A connection's streams are counted by the connection, which drains itself at its request
   * limit ({@link Http2ServerConnection#streamOpened}); asked, the connection drains.
   */
  @Override
  public void drain() {
    connection.drain();
  }

  @Override
  public boolean upgradeRequested(HttpRequest request) {
    return websocket;
  }

  @Override
  public boolean headIsWholeRequest() {
    return !h2.state().remoteSideOpen();
  }

  @Override
  public boolean extendedConnect() {
    return websocket;
  }

  @Override
  public void updateReading() {
    if (beginning > 0 || state == State.TUNNEL) {
      return;
    }
    in.setReading(switch (state) {
      case AWAITING_HEAD -> true;
      case EXCHANGE -> exchange.acceptsRequestData();
      case TUNNEL, CLOSING -> false;
    });
  }

  @Override
  public void refusing() {
    state = State.CLOSING;
  }

  /**
   * A stream serves one request. Its response ended with END_STREAM, and so, usually, did the
   * request: the stream is closed. A request still arriving is reset, without error as its
   * answer is whole (a response cut short was reset already): RFC 9113 section 8.1 forbids the
   * client to take RST_STREAM(NO_ERROR) as a reason to discard the response.
   */
  @Override
  public void onExchangeEnd(boolean close) {
    state = State.CLOSING;
    if (closed) {
      return;
    }
    if (!exchange.requestComplete()) {
      Http2Stream.State s = h2.state();
      if (s == Http2Stream.State.OPEN || s == Http2Stream.State.HALF_CLOSED_LOCAL) {
        dispatch.reset(id, Http2Error.NO_ERROR);
      } else {
        out.close();
      }
    } else if (close) {
      out.close();
    }
  }

  @Override
  public TunnelSide tunnelSide() {
    return tunnel.side();
  }

  /** The client gets its protocol's answer; the bytes it sent early go to the tunnel first. */
  @Override
  public void switchToTunnel(HttpResponse upgrade, Tunnel t) {
    out.writeAndFlush(StreamTunnelSide.answer(upgrade));
    state = State.TUNNEL;
    tunnel.switchTo(t);
  }
}
