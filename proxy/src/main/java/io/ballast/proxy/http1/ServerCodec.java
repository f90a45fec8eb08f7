package io.ballast.proxy.http1;

import io.ballast.proxy.ProxySettings.ClientLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The client-side HTTP/1.1 codec: Netty's {@code HttpServerCodec} pairing (a request decoder, and a
 * response encoder that knows a HEAD response has no body) plus one check Netty's decoder lacks:
 * it silently unfolds obsolete line folding (a header line starting with SP or HTAB), which RFC
 * 9112 section 5.2 tells a proxy to reject, because servers disagree on how to read it; and the
 * request line's grammar is checked on the bytes as they arrive ({@link RequestLineCheck}), as
 * Netty reads a lower-case version, runs of spaces and control bytes in the target leniently.
 *
 * <p>It also holds still behind a WebSocket upgrade request ({@link WebSocketUpgrade#requested}):
 * once such a request is decoded, the bytes after it are kept undecoded until the exchange knows
 * the backend's answer. After a 101 they belong to the new protocol and go raw into the tunnel
 * when this codec is removed; after any other answer {@link #release()} decodes them as the next
 * HTTP request. Without the hold, a client that sends its first frame before the 101 arrives
 * would have it parsed as a request.
 *
 * <p>It also keeps a client's request head within {@link ClientLimits}: a head must end within
 * {@code requestHeadTimeout} of its first byte (a slowloris, sending a header byte every few
 * seconds, would otherwise hold the connection for as long as it likes: the idle timeout never
 * fires while bytes trickle in), and may have at most {@code maxHeaderCount} fields. A head past
 * either limit becomes a failed request ({@link #HEAD_TIMEOUT}, {@link #TOO_MANY_HEADERS}) that
 * the client handler refuses like any malformed one: 408 or 431, logged and counted, then the
 * close.
 *
 * <p>One instance per client channel; event-loop only.
 */
public final class ServerCodec
    extends CombinedChannelDuplexHandler<ServerCodec.RequestDecoder, ServerCodec.ResponseEncoder> {

  /** The failure a request with obs-fold is marked with. */
  static final IllegalArgumentException OBS_FOLD =
      new IllegalArgumentException("obsolete line folding in header section") {
        @Override
        public synchronized Throwable fillInStackTrace() {
          return this;
        }
      };

  /** The failure of a head that did not end within the request head timeout. */
  static final IllegalArgumentException HEAD_TIMEOUT = failure("request head timeout");
  /** The failure of a head with more fields than allowed. */
  static final IllegalArgumentException TOO_MANY_HEADERS = failure("too many header fields");

  private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>(4);
  private final ClientLimits limits;
  private ChannelHandlerContext ctx;
  /** A head has begun and not ended: since {@link #headStart} (System.nanoTime). */
  private boolean headPending;
  private long headStart;
  /**
   * The timer that looks at the pending head; null when none is scheduled. It is scheduled only
   * when a read ends inside a head, and never cancelled when the head ends: when it fires it
   * looks at the head pending then (IdleStateHandler's way), so a client whose heads come whole
   * in one read, the common case, costs no timer at all (a schedule and a cancel per request
   * were 1.4 % of the event loop's samples in bench/http-rr.sh).
   */
  private ScheduledFuture<?> headTimer;
  /** The upgrade request the decoder holds still behind; null when it decodes freely. */
  private HttpRequest heldFor;

  public ServerCodec(HttpDecoderConfig config) {
    this(config, ClientLimits.DEFAULTS);
  }

  public ServerCodec(HttpDecoderConfig config, ClientLimits limits) {
    this.limits = limits;
    init(new RequestDecoder(config), new ResponseEncoder());
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    this.ctx = ctx;
    super.handlerAdded(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
    stopTimer();
    super.handlerRemoved(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    stopTimer();
    super.channelInactive(ctx);
  }

  /** The first byte of a request head arrived: the head must end within the timeout. */
  private void arm() {
    if (!headPending) {
      headPending = true;
      headStart = System.nanoTime();
    }
  }

  /** The head ended (or the connection is done with heads). */
  private void disarm() {
    headPending = false;
  }

  /** At the end of a read: a head left pending gets its timer, unless one is on its way. */
  private void watchPendingHead() {
    if (headPending && headTimer == null && ctx != null) {
      long left = headStart + limits.requestHeadTimeout().toNanos() - System.nanoTime();
      headTimer = ctx.executor().schedule(this::headTimedOut, Math.max(0, left),
          TimeUnit.NANOSECONDS);
    }
  }

  private void stopTimer() {
    headPending = false;
    ScheduledFuture<?> t = headTimer;
    if (t != null) {
      headTimer = null;
      t.cancel(false);
    }
  }

  /**
   * The head did not end in time: the client handler gets a failed request in its place, as if
   * the decoder had found it malformed, and answers 408. Nothing more is decoded.
   */
  private void headTimedOut() {
    headTimer = null;
    if (!headPending || !ctx.channel().isActive() || inboundHandler().timedOut) {
      return;
    }
    if (System.nanoTime() - headStart < limits.requestHeadTimeout().toNanos()) {
      // The head that timer was set for ended; this one began later.
      watchPendingHead();
      return;
    }
    if (!methods.isEmpty()) {
      // An answer is still owed for an earlier request: the client is waiting for ballast, not
      // the other way round (a pipelined head read with the request before it). Start again.
      headStart = System.nanoTime();
      watchPendingHead();
      return;
    }
    inboundHandler().timedOut = true;
    HttpRequest failed = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
        "/bad-request");
    failed.setDecoderResult(DecoderResult.failure(HEAD_TIMEOUT));
    methods.add(failed.method());
    ctx.fireChannelRead(failed);
    ctx.fireChannelReadComplete();
  }

  /**
   * Marks {@code request} failed when it has more than {@code max} header fields, so that it is
   * refused with 431 as a malformed head is. An HTTP/2 stream's request, translated, gets the same
   * check: its fields and the Host its {@code :authority} became.
   */
  public static void limitFields(HttpRequest request, int max) {
    if (request.headers().size() > max) {
      request.setDecoderResult(DecoderResult.failure(TOO_MANY_HEADERS));
    }
  }

  /** A shared failure without a stack: it is a verdict on input, not a bug to trace. */
  private static IllegalArgumentException failure(String message) {
    return new IllegalArgumentException(message) {
      @Override
      public synchronized Throwable fillInStackTrace() {
        return this;
      }
    };
  }

  /** True while the decoder holds still behind an upgrade request. */
  boolean holding() {
    return heldFor != null;
  }

  /** True when the decoder holds still behind {@code request} (compared by identity). */
  boolean holdsFor(HttpRequest request) {
    return heldFor != null && heldFor == request;
  }

  /**
   * The upgrade request was answered without a switch: what came after it is decoded as HTTP,
   * now (when this runs outside the decoder) or as the decoder's current pass goes on.
   */
  void release() {
    if (heldFor == null) {
      return;
    }
    heldFor = null;
    RequestDecoder d = inboundHandler();
    if (!d.decoding && d.buffered() > 0) {
      // Nothing arrives to run the decoder: give it an empty read, as a read of the socket
      // would, so that a request already buffered is served without waiting for more bytes.
      try {
        channelRead(ctx, Unpooled.EMPTY_BUFFER);
        channelReadComplete(ctx);
      } catch (Exception e) {
        ctx.fireExceptionCaught(e);
      }
    }
  }

  /** Request decoder that scans each header section once for obs-fold. */
  final class RequestDecoder extends HttpRequestDecoder {
    private static final int START = 0;
    private static final int IN_LINE = 1;
    private static final int LINE_START = 2;
    private static final int BLANK_CR = 3;
    private static final int DONE = 4;
    private static final int REQUEST_LINE = 5;

    private int scan = START;
    /** Bytes at the front of the readable region that the scanner has already seen. */
    private int scanned;
    private boolean folded;
    private final RequestLineCheck line = new RequestLineCheck();
    /** Inside channelRead: a release from a handler lets this pass decode on by itself. */
    private boolean decoding;
    /** The upgrade request whose end starts the hold. */
    private HttpRequest upgrade;
    /** The head timeout fired: the connection is being refused, nothing more is decoded. */
    boolean timedOut;

    RequestDecoder(HttpDecoderConfig config) {
      super(config);
    }

    int buffered() {
      return actualReadableBytes();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      decoding = true;
      try {
        super.channelRead(ctx, msg);
      } finally {
        decoding = false;
        watchPendingHead();
      }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out)
        throws Exception {
      if (heldFor != null || timedOut) {
        // Behind an upgrade request: these bytes wait for the backend's answer. After a head
        // timeout: the client is refused, what it sends is dropped.
        if (timedOut) {
          buffer.skipBytes(buffer.readableBytes());
        }
        return;
      }
      int end = buffer.readerIndex();
      if (scan != DONE) {
        end = scanHead(buffer);
      }
      int before = out.size();
      super.decode(ctx, buffer, out);
      if (scan != DONE) {
        scanned = Math.max(0, end - buffer.readerIndex());
      }
      for (int i = before; i < out.size(); i++) {
        Object o = out.get(i);
        if (o instanceof HttpRequest request) {
          methods.add(request.method());
          disarm();
          if (request.decoderResult().isSuccess()) {
            if (line.failure() != null) {
              request.setDecoderResult(DecoderResult.failure(line.failure()));
            } else if (folded) {
              request.setDecoderResult(DecoderResult.failure(OBS_FOLD));
            } else {
              limitFields(request, limits.maxHeaderCount());
            }
          }
          folded = false;
          upgrade = WebSocketUpgrade.requested(request) ? request : null;
        }
        if (o instanceof LastHttpContent) {
          // The next byte starts a new message head.
          scan = START;
          scanned = 0;
          heldFor = upgrade;
          upgrade = null;
        }
      }
    }

    /** Advances the scanner over unseen bytes of the head; returns the index it stopped at. */
    private int scanHead(ByteBuf buffer) {
      int i = buffer.readerIndex() + scanned;
      int end = buffer.writerIndex();
      int state = scan;
      while (i < end && state != DONE) {
        byte b = buffer.getByte(i++);
        switch (state) {
          case START -> {
            // Netty skips control characters and whitespace before the request line.
            if (b > ' ' && b != 0x7f) {
              state = REQUEST_LINE;
              line.reset();
              line.accept(b);
              arm();
            }
          }
          case REQUEST_LINE -> {
            line.accept(b);
            if (b == '\n') {
              state = LINE_START;
            }
          }
          case IN_LINE -> {
            if (b == '\n') {
              state = LINE_START;
            }
          }
          case LINE_START -> {
            if (b == ' ' || b == '\t') {
              folded = true;
              state = IN_LINE;
            } else if (b == '\r') {
              state = BLANK_CR;
            } else if (b == '\n') {
              state = DONE;
            } else {
              state = IN_LINE;
            }
          }
          default -> state = b == '\n' ? DONE : IN_LINE;
        }
      }
      scan = state;
      return i;
    }
  }

  /**
   * Response encoder that treats the answer to a HEAD request, and a 101, as bodiless, and writes
   * a standard status line in one copy ({@link StatusLines}).
   */
  final class ResponseEncoder extends HttpResponseEncoder {
    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
      if (msg.status().code() == 101) {
        // Netty lets a 101 without Sec-WebSocket-Version (which RFC 6455 servers do not send)
        // have a body, for the draft-00 handshake; after ballast's 101 come the new protocol's
        // bytes, never a body.
        return true;
      }
      HttpMethod method =
          msg.status().codeClass() == HttpStatusClass.INFORMATIONAL ? null : methods.poll();
      return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
    }

    @Override
    protected void encodeInitialLine(ByteBuf buf, HttpResponse response) throws Exception {
      byte[] line = StatusLines.of(response.protocolVersion(), response.status());
      if (line != null) {
        buf.writeBytes(line);
      } else {
        super.encodeInitialLine(buf, response);
      }
    }
  }
}
