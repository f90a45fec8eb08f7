package io.ballast.proxy.http1;

import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * What a pipelining HTTP/1.1 client sent after the request being served: held, in order, until
 * that request's response has ended. Made on first use: most clients never pipeline.
 *
 * <p>Event-loop only; one per connection.
 */
final class Pipelined {
  private ArrayDeque<HttpObject> queue;

  void add(HttpObject o) {
    if (queue == null) {
      queue = new ArrayDeque<>(4);
    }
    queue.add(o);
  }

  boolean isEmpty() {
    return queue == null || queue.isEmpty();
  }

  /** The oldest held message, or null. */
  HttpObject poll() {
    return queue == null ? null : queue.poll();
  }

  /** Drops everything held (the connection is closing). */
  void release() {
    HttpObject o;
    while ((o = poll()) != null) {
      ReferenceCountUtil.release(o);
    }
  }
}
