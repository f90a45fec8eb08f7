package io.ballast.proxy.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * ballast's client-side framing of a byte stream, without the network: the real
 * {@link ServerCodec} in an {@link EmbeddedChannel} and {@link RequestChecks} on each head, as
 * {@code ClientHandler} runs them. What it returns is what the proxy may forward for those bytes:
 * the requests up to the first refused one (after which the proxy closes) or the first that ends
 * the connection, corrected as the checks correct them. Any exception a handler throws escapes
 * from {@link #frame} (EmbeddedChannel rethrows it).
 *
 * <p>Each call makes its own channel; thread-confined.
 */
public final class DecoderHarness {
  private DecoderHarness() {}

  /**
   * One request as ballast framed it. {@code status} is 0 when it may be forwarded, else the
   * refusal's status; {@code complete} when its last part arrived; {@code brokenBody} when its
   * body failed to decode (the proxy answers 400 and aborts).
   */
  public record Framed(int status, String reason, String method, String uri, String host,
      List<Map.Entry<String, String>> headers, byte[] body, boolean complete, boolean keepAlive,
      boolean brokenBody) {
    public boolean forwarded() {
      return status == 0;
    }
  }

  /**
   * Frames {@code input}, written in pieces of {@code splits} bytes, with a codec of
   * {@code config}; {@code local} is the address a client would have connected to.
   */
  public static List<Framed> frame(byte[] input, int[] splits, HttpDecoderConfig config,
      SocketAddress local) {
    ServerCodec codec = new ServerCodec(config.clone());
    Collector collector = new Collector(codec, local);
    EmbeddedChannel ch = new EmbeddedChannel(codec, collector);
    try {
      int at = 0;
      for (int size : splits) {
        if (collector.done) {
          break;
        }
        ByteBuf buf = Unpooled.wrappedBuffer(input, at, size);
        at += size;
        ch.writeInbound(buf);
        Object o;
        while ((o = ch.readInbound()) != null) {
          ReferenceCountUtil.release(o);
        }
      }
      collector.finish();
      return collector.framed;
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  /** Runs the checks on each head and keeps what the proxy would forward. */
  private static final class Collector extends ChannelInboundHandlerAdapter {
    private final ServerCodec codec;
    private final SocketAddress local;
    final List<Framed> framed = new ArrayList<>();
    boolean done;
    private HttpRequest head;
    private ByteArrayOutputStream body;
    private boolean keepAlive;

    Collector(ServerCodec codec, SocketAddress local) {
      this.codec = codec;
      this.local = local;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (done) {
          return;
        }
        if (msg instanceof HttpRequest request) {
          RequestChecks.Rejection r = RequestChecks.check(request, local);
          if (r != null) {
            framed.add(new Framed(r.status(), r.reason(), request.method().name(), request.uri(),
                null, List.of(), new byte[0], true, false, false));
            done = true;
            return;
          }
          head = request;
          body = new ByteArrayOutputStream();
          keepAlive = HttpUtil.isKeepAlive(request);
        }
        if (msg instanceof HttpContent c && head != null) {
          if (c.decoderResult().isFailure()) {
            add(false, true);
            done = true;
            return;
          }
          ByteBuf b = c.content();
          byte[] bytes = new byte[b.readableBytes()];
          b.getBytes(b.readerIndex(), bytes);
          body.writeBytes(bytes);
          if (msg instanceof LastHttpContent) {
            add(true, false);
            if (!keepAlive) {
              done = true;
            } else if (codec.holding()) {
              // The backend answers an upgrade without switching: what follows is HTTP again.
              codec.release();
            }
          }
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    void finish() {
      if (head != null && !done) {
        add(false, false);
      }
      done = true;
    }

    private void add(boolean complete, boolean broken) {
      List<Map.Entry<String, String>> headers = new ArrayList<>();
      head.headers().forEach(e -> headers.add(
          Map.entry(e.getKey().toLowerCase(Locale.ROOT), e.getValue())));
      framed.add(new Framed(0, null, head.method().name(), head.uri(),
          head.headers().get(HttpHeaderNames.HOST), headers, body.toByteArray(), complete,
          keepAlive, broken));
      head = null;
      body = null;
    }
  }
}
