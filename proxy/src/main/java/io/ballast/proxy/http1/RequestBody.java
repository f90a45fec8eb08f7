package io.ballast.proxy.http1;

import io.ballast.core.attempt.Attempts;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;

/**
 * A request body on its way to the backend, kept for retries while it is small.
 *
 * <p>Chunks that arrive before a backend connection takes them wait here. While the body stays
 * within the retry policy's {@code maxBufferedBody} every chunk stays here after it was sent (the
 * backend gets a {@code retainedDuplicate()}), so that a retry can send it again; past that the
 * kept chunks are released, chunks are sent as they come, and the request is no longer
 * replayable once one of them was written ({@link Attempts#bodyNotReplayable()}).
 *
 * <p>Event-loop only; one per client connection, reused for each request.
 */
final class RequestBody {
  private final ArrayDeque<HttpContent> chunks = new ArrayDeque<>(4);
  /** The request has no body, as its head says: head and end go out as one message. */
  private boolean bodiless;
  private boolean keep;
  private long kept;
  private long maxKept;
  /** Chunks at the head of {@code chunks} already written to the current backend connection. */
  private int sent;

  /**
   * A new request: keep its body for retries ({@code keep}) up to {@code maxKept} bytes.
   * {@code bodiless}: its head says it has no body (an HTTP/1.x request with neither
   * Content-Length nor Transfer-Encoding, or Content-Length: 0), so the decoder's empty last part
   * is all that follows it.
   */
  void start(boolean keep, long maxKept, boolean bodiless) {
    this.bodiless = bodiless;
    this.keep = keep;
    this.maxKept = maxKept;
    this.kept = 0;
    this.sent = 0;
  }

  /**
   * A chunk arrived: written to {@code up} now when a backend connection has the request
   * ({@code up} not null), else kept until one does.
   */
  void add(HttpContent c, Upstream up, Attempts attempts) {
    int n = c.content().readableBytes();
    if (bodiless) {
      // Its end went out with the head ({@link #writeHead}); a decoder gives such a request no
      // bytes and no trailers, so there is nothing left to send.
      c.release();
      return;
    }
    if (keep && kept + n > maxKept) {
      stopKeeping(attempts);
    }
    if (up == null) {
      // Connecting, or between two attempts: the chunk waits for the next connection.
      chunks.add(c);
      if (keep) {
        kept += n;
      }
      return;
    }
    boolean last = c instanceof LastHttpContent;
    if (keep) {
      kept += n;
      chunks.add(c);
      sent++;
      write(up, c.retainedDuplicate(), last);
    } else {
      if (n > 0) {
        attempts.bodyNotReplayable();
      }
      write(up, c, last);
    }
  }

  /**
   * Writes the request's head to {@code up}; a bodiless request's end goes with it, as one
   * message: one pass through the connection's pipeline and encoder, one buffer, one listener,
   * where a head and an empty last part took two of each.
   */
  void writeHead(Upstream up, HttpRequest head) {
    if (bodiless) {
      up.write(new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(),
          Unpooled.EMPTY_BUFFER, head.headers(), EmptyHttpHeaders.INSTANCE), Upstream.Mark.WHOLE);
    } else {
      up.write(head, Upstream.Mark.HEAD);
    }
  }

  /**
   * A backend connection takes the request: every chunk so far goes to it (again, for a retry;
   * the kept originals stay for the next one).
   */
  void replay(Upstream up, Attempts attempts) {
    if (keep) {
      sent = 0;
      for (HttpContent c : chunks) {
        sent++;
        write(up, c.retainedDuplicate(), c instanceof LastHttpContent);
      }
      return;
    }
    HttpContent c;
    while ((c = chunks.poll()) != null) {
      if (c.content().isReadable()) {
        attempts.bodyNotReplayable();
      }
      write(up, c, c instanceof LastHttpContent);
    }
  }

  /** The backend connection went away: nothing kept was sent on the next one yet. */
  void detached() {
    sent = 0;
  }

  /** Releases every chunk held; the request is over. */
  void release() {
    HttpContent c;
    while ((c = chunks.poll()) != null) {
      c.release();
    }
    sent = 0;
    kept = 0;
  }

  /**
   * The body outgrew {@code maxKept}: the chunks already sent are let go (the request cannot be
   * replayed any more if they carried bytes); chunks not sent yet stay queued.
   */
  private void stopKeeping(Attempts attempts) {
    keep = false;
    kept = 0;
    boolean lost = false;
    for (; sent > 0; sent--) {
      HttpContent c = chunks.poll();
      lost |= c.content().isReadable();
      c.release();
    }
    if (lost) {
      attempts.bodyNotReplayable();
    }
  }

  private void write(Upstream up, HttpContent c, boolean last) {
    up.write(c, last ? Upstream.Mark.LAST : Upstream.Mark.NONE);
  }
}
