package io.ballast.proxy.http1;

import io.ballast.proxy.mirror.Mirror;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

/**
 * One request's copy for its route's mirror: the head as the backend gets it and the body as
 * retained slices of the same memory (no byte copied), sent to the mirror once the request was
 * read whole. A body that outgrows the mirror's limit is not copied.
 *
 * <p>Event-loop only; one per client connection, reused.
 */
final class MirrorTap {
  private Mirror mirror;
  private HttpRequest head;
  private CompositeByteBuf body;

  /**
   * Copies {@code req} (already rewritten for the backend; the mirror marks its Host) when the
   * route mirrors and samples this request.
   */
  void start(Mirror m, HttpRequest req, long contentLength, Channel channel) {
    if (m == null || !m.sample()) {
      return;
    }
    if (contentLength > m.spec().maxBody()) {
      m.droppedTooBig();
      return;
    }
    mirror = m;
    head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, req.method(), req.uri(),
        req.headers().copy());
    body = channel.alloc().compositeBuffer(Integer.MAX_VALUE);
  }

  boolean active() {
    return mirror != null;
  }

  /** A body chunk of {@code n} bytes; the copy goes once the last one is in. */
  void copy(HttpContent c, int n, boolean last, Channel channel) {
    Mirror m = mirror;
    if (m == null) {
      return;
    }
    if (n > 0) {
      if (body.readableBytes() + (long) n > m.spec().maxBody()) {
        m.droppedTooBig();
        drop();
        return;
      }
      body.addComponent(true, c.content().retainedDuplicate());
    }
    if (last) {
      HttpRequest h = head;
      CompositeByteBuf b = body;
      mirror = null;
      head = null;
      body = null;
      m.send(channel, h, b);
    }
  }

  /** The request was not read whole: nothing to copy. */
  void drop() {
    mirror = null;
    head = null;
    CompositeByteBuf b = body;
    body = null;
    if (b != null) {
      b.release();
    }
  }
}
