package io.ballast.proxy.http1;

import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Writes a relayed response to the client, joining a head with a body that ends in the same read
 * of the backend into one message.
 *
 * <p>Why: most answers are small and come in one read, which the decoder hands over as a head
 * and a last content. Written as they come, they cross the client's pipeline twice, are encoded
 * into two buffers and take two entries in the outbound buffer; written as one full message, the
 * encoder copies a small body behind the head (HTTP/1.1) or ends the stream on the last frame
 * without an extra empty one (HTTP/2). So the head waits: until its body's end arrives, or the
 * read of the backend completes ({@link #flush}), whichever comes first, and a head whose body
 * goes on is written before its first content, so order and backpressure are as before.
 *
 * <p>One instance per client connection; event-loop only.
 */
final class ResponseOut {
  private final ClientSide side;
  /** A head not yet written; null when none waits. */
  private HttpResponse pending;

  ResponseOut(ClientSide side) {
    this.side = side;
  }

  /**
   * The response head: it waits for its content, unless it is a full message already (a gRPC
   * trailers-only answer), which is written at once.
   */
  void head(HttpResponse head) {
    writePending();
    if (head instanceof FullHttpResponse) {
      side.write(head);
    } else {
      pending = head;
    }
  }

  /** A piece of the body, {@code last} when it ends the response. */
  void content(HttpContent c, boolean last) {
    HttpResponse head = pending;
    if (head != null && last) {
      pending = null;
      LastHttpContent end = (LastHttpContent) c;
      side.write(new DefaultFullHttpResponse(head.protocolVersion(), head.status(),
          end.content(), head.headers(), end.trailingHeaders()));
      return;
    }
    writePending();
    side.write(c);
  }

  /** Writes the waiting head, if any, and flushes. */
  void flush() {
    writePending();
    side.flush();
  }

  /** Writes the waiting head, if any, without a flush. */
  void writePending() {
    HttpResponse head = pending;
    if (head != null) {
      pending = null;
      side.write(head);
    }
  }
}
