package io.ballast.proxy.probe;

import io.ballast.proxy.tls.BackendTls;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLHandshakeException;

/**
 * One gRPC health probe of a backend: a fresh HTTP/2 connection (cleartext with prior knowledge,
 * or TLS with ALPN h2 when the pool speaks TLS), one unary {@code grpc.health.v1.Health/Check}
 * call, a verdict, the connection closed. It passes only on HTTP status 200, grpc-status 0 and
 * the status SERVING; anything else fails with what the backend said ("grpc status 12
 * UNIMPLEMENTED (no health service)", "NOT_SERVING", "backend speaks HTTP/1.1, not HTTP/2", a
 * timeout, a refused connect).
 *
 * <p>Event-loop only: everything runs on its {@link ProbeTask}'s loop, which owns the probe's
 * channel and timer.
 */
public final class GrpcHealthProbe extends Http2ChannelDuplexHandler implements ProbeTask.Attempt {
  /** The method every probe calls. */
  public static final String PATH = "/grpc.health.v1.Health/Check";
  /** A HealthCheckResponse is a few bytes; anything much longer is not one. */
  static final int MAX_RESPONSE = 4096;
  /** gRPC's status codes by number, for reasons a person can read. */
  private static final String[] CODES = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
      "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
  private static final int NOT_FOUND = 5;
  private static final int UNIMPLEMENTED = 12;

  private final ProbeTask task;
  private final HealthCheckSpec spec;
  private final BackendTls tls;
  private final AttemptEnd ending;
  private Http2FrameStream stream;
  /** The response's head, once it came: trailers follow. */
  private boolean head;
  private final ByteArrayOutputStream body = new ByteArrayOutputStream();

  /**
   * @param tls the pool's TLS to its backends; null: cleartext HTTP/2 with prior knowledge
   */
  public GrpcHealthProbe(ProbeTask task, HealthCheckSpec spec, BackendTls tls,
      ProbeTask.Verdict verdict) {
    this.task = Objects.requireNonNull(task, "task");
    this.spec = Objects.requireNonNull(spec, "spec");
    this.tls = tls;
    this.ending = new AttemptEnd(task, this, spec.timeout(),
        Objects.requireNonNull(verdict, "verdict"));
  }

  /**
   * The {@code grpc-timeout} header for {@code timeout}: at most 8 digits and a unit; milliseconds
   * ("1000m") up to 99,999,999 ms (27 h), whole seconds beyond.
   */
  static String grpcTimeout(Duration timeout) {
    long ms = Math.max(1, timeout.toMillis());
    return ms <= 99_999_999 ? ms + "m" : Math.min(timeout.toSeconds(), 99_999_999) + "S";
  }

  /** "grpc status 14 UNAVAILABLE: message", with a hint for the codes a health call explains. */
  static String grpcFailure(int code, String message, String service) {
    String name = code >= 0 && code < CODES.length ? " " + CODES[code] : "";
    String why = switch (code) {
      case UNIMPLEMENTED -> " (no health service)";
      case NOT_FOUND -> " (unknown service \"" + service + "\")";
      default -> message == null || message.isEmpty() ? ""
          : ": " + (message.length() > 200 ? message.substring(0, 200) + "..." : message);
    };
    return "grpc status " + code + name + why;
  }

  @Override
  public void begin() {
    ending.arm();
    ChannelFuture f = task.connect(new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        ending.channel(ch);
        if (tls != null) {
          ch.pipeline().addLast(tls.newH2Handler(ch.alloc(), task.backend()));
        }
        // Closing must not wait for the stream to end (a probe that timed out closes at once).
        ch.pipeline().addLast(new Http1Answer(),
            Http2FrameCodecBuilder.forClient().gracefulShutdownTimeoutMillis(0).build(),
            GrpcHealthProbe.this);
      }
    });
    f.addListener((ChannelFuture cf) -> {
      if (!cf.isSuccess()) {
        end(false, ProbeTask.connectFailure(cf.cause(), spec.timeout()));
      }
    });
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (tls == null) {
      call(ctx);
    }
    ctx.fireChannelActive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof SslHandshakeCompletionEvent e) {
      if (!e.isSuccess()) {
        end(false, tlsFailure(e.cause()));
        return;
      }
      String alpn = ctx.pipeline().get(SslHandler.class).applicationProtocol();
      if (!ApplicationProtocolNames.HTTP_2.equals(alpn)) {
        end(false, "backend did not choose h2 by ALPN (chose: "
            + (alpn == null ? "nothing" : alpn) + ")");
        return;
      }
      call(ctx);
    }
    ctx.fireUserEventTriggered(evt);
  }

  /** The request: HEADERS, then one DATA frame with the framed message that ends the stream. */
  private void call(ChannelHandlerContext ctx) {
    stream = newStream();
    Http2Headers h = new DefaultHttp2Headers()
        .method("POST")
        .scheme(tls == null ? "http" : "https")
        .path(PATH)
        .authority(task.backend().address());
    h.set("content-type", "application/grpc")
        .set("te", "trailers")
        .set("grpc-timeout", grpcTimeout(spec.timeout()))
        .set("user-agent", "ballast-health-check");
    ctx.write(new DefaultHttp2HeadersFrame(h).stream(stream));
    byte[] message = HealthProto.frame(HealthProto.request(spec.service()));
    ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(message), true)
        .stream(stream));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof Http2HeadersFrame f) {
        headers(f.headers(), f.isEndStream());
      } else if (msg instanceof Http2DataFrame d) {
        ByteBuf content = d.content();
        if (body.size() + content.readableBytes() > MAX_RESPONSE) {
          end(false, "response longer than " + MAX_RESPONSE + " bytes (expected: one"
              + " HealthCheckResponse)");
          return;
        }
        body.writeBytes(ByteBufUtil.getBytes(content));
        if (d.isEndStream()) {
          end(false, "response ended without trailers (expected: grpc-status)");
        }
      } else if (msg instanceof Http2ResetFrame r) {
        end(false, "stream reset by the backend (" + error(r.errorCode()) + ")");
      } else if (msg instanceof Http2GoAwayFrame g && stream != null
          && g.lastStreamId() < stream.id()) {
        end(false, "backend sent GOAWAY (" + error(g.errorCode()) + ") before answering");
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void headers(Http2Headers h, boolean endStream) {
    if (!head) {
      head = true;
      CharSequence status = h.status();
      if (status == null || !"200".contentEquals(status)) {
        end(false, "HTTP status " + status + " (expected: 200)");
        return;
      }
      CharSequence type = h.get("content-type");
      if (type == null || !type.toString().startsWith("application/grpc")) {
        end(false, "content-type " + type + " (expected: application/grpc)");
        return;
      }
      if (!endStream) {
        return;
      }
      // A trailers-only response: the status is in the head.
    } else if (!endStream) {
      end(false, "a second head without the end of the stream (expected: trailers)");
      return;
    }
    trailers(h);
  }

  private void trailers(Http2Headers h) {
    CharSequence code = h.get("grpc-status");
    if (code == null) {
      end(false, "no grpc-status in the trailers");
      return;
    }
    int grpcStatus;
    try {
      grpcStatus = Integer.parseInt(code.toString());
    } catch (NumberFormatException e) {
      end(false, "grpc-status '" + code + "' (expected: a number)");
      return;
    }
    if (grpcStatus != 0) {
      CharSequence message = h.get("grpc-message");
      end(false, grpcFailure(grpcStatus, message == null ? null : message.toString(),
          spec.service()));
      return;
    }
    int serving;
    try {
      serving = HealthProto.status(HealthProto.unframe(body.toByteArray()));
    } catch (IllegalArgumentException e) {
      end(false, "malformed HealthCheckResponse: " + e.getMessage());
      return;
    }
    end(serving == HealthProto.SERVING, HealthProto.statusName(serving));
  }

  private static String error(long code) {
    Http2Error e = Http2Error.valueOf(code);
    return e != null ? e.name() : "error " + code;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    end(false, "connection closed before a response");
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // The TLS handler reports a failed handshake as an event and as an exception, in either order.
    Throwable c = cause instanceof DecoderException && cause.getCause() != null
        ? cause.getCause() : cause;
    end(false, c instanceof SSLHandshakeException ? tlsFailure(c)
        : "error: " + c.getClass().getSimpleName() + ": " + c.getMessage());
  }

  /**
   * "TLS handshake failed: why"; a backend that offers no h2 by ALPN ends the handshake with the
   * alert no_application_protocol (RFC 7301), which is said in those words.
   */
  private static String tlsFailure(Throwable cause) {
    String why = String.valueOf(cause.getMessage());
    return "TLS handshake failed: " + (why.contains("NO_APPLICATION_PROTOCOL")
        || why.contains("no_application_protocol")
        ? "the backend does not offer h2 by ALPN (alert no_application_protocol)" : why);
  }

  @Override
  public void abandon() {
    ending.abandon();
  }

  private void end(boolean passed, String detail) {
    ending.end(passed, detail);
  }

  /**
   * Ahead of the HTTP/2 codec: a backend that answers the connection preface with HTTP/1.x bytes
   * ends the probe with that reason, rather than the codec's "first frame was not SETTINGS".
   * Leaves the pipeline after the first bytes.
   */
  private final class Http1Answer extends ChannelInboundHandlerAdapter {
    private static final byte[] HTTP1 = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf b && b.readableBytes() > HTTP1.length
          && ByteBufUtil.equals(b, b.readerIndex(), Unpooled.wrappedBuffer(HTTP1), 0,
              HTTP1.length)) {
        char minor = (char) b.getByte(b.readerIndex() + HTTP1.length);
        b.release();
        end(false, "backend speaks HTTP/1." + minor + ", not HTTP/2");
        return;
      }
      ctx.pipeline().remove(this);
      ctx.fireChannelRead(msg);
    }
  }
}
