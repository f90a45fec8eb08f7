package io.ballast.server.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** The admin listener's answers: text, JSON, and how they are written. Stateless. */
final class Http {
  static final String TEXT = "text/plain; charset=utf-8";
  static final String JSON = "application/json";

  private Http() {}

  static FullHttpResponse text(HttpResponseStatus status, String body) {
    return response(status, TEXT, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
  }

  static FullHttpResponse json(HttpResponseStatus status, byte[] body) {
    return response(status, JSON, Unpooled.wrappedBuffer(body));
  }

  static FullHttpResponse response(HttpResponseStatus status, String type, ByteBuf body) {
    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
    res.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
    res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    return res;
  }

  /** The request body as bytes. */
  static byte[] body(FullHttpRequest req) {
    byte[] body = new byte[req.content().readableBytes()];
    req.content().getBytes(req.content().readerIndex(), body);
    return body;
  }

  /** Writes {@code res}, keeping or closing the connection; HEAD gets no body. */
  static void send(ChannelHandlerContext ctx, FullHttpResponse res, boolean keepAlive,
      boolean head) {
    HttpUtil.setContentLength(res, res.content().readableBytes());
    if (head) {
      // HEAD gets the GET headers, Content-Length included, and no body.
      res = res.replace(Unpooled.EMPTY_BUFFER);
    }
    if (keepAlive) {
      res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      ctx.writeAndFlush(res);
    } else {
      res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
