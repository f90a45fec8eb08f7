package io.ballast.proxy.upstream.h2;

import io.ballast.proxy.http2.Http1ToHttp2;
import io.ballast.proxy.http2.Http2ToHttp1;
import io.ballast.proxy.http2.StreamFrames;
import io.ballast.proxy.http2.StreamInbox;
import io.ballast.proxy.http2.StreamSet;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.function.Function;

/**
 * One request's stream on an HTTP/2 connection to a backend ({@link BackendStreams}), with no
 * channel of its own: its user writes the request as HTTP/1.1 objects and reads the response as
 * an HTTP/1.1 decoder gives it, as on an HTTP/1.1 connection.
 *
 * <ul>
 *   <li><b>Out</b>: a message head is HEADERS, body parts DATA, the end DATA or trailing HEADERS
 *       that end the stream ({@link StreamFrames}), written through the connection's pipeline.
 *       The stream gets its id when its HEADERS are written; if they cannot be (the connection
 *       went away, its stream ids ran out), the stream closes as not processed.
 *   <li><b>In</b>: the response's head ({@link Http2ToHttp1#response}; a head whose HEADERS end
 *       the stream, and a 1xx, are a head and an empty last part), body parts, trailers.
 *       While its user does not read ({@link #setReading}), frames wait in order in the
 *       stream's {@link StreamInbox} and their bytes are not given back to the backend's window:
 *       flow control is the backpressure, and the other streams of the connection go on.
 *   <li><b>End</b>: the user hears {@link User#closed} once, whoever closed the stream; a reset
 *       from the backend, or a GOAWAY that left the stream out, names why ({@link #failure})
 *       and whether the backend promises it did not process the request ({@link #notProcessed};
 *       REFUSED_STREAM or above the GOAWAY's last stream id: RFC 9113, 8.7).
 * </ul>
 *
 * <p>Event-loop only (its connection's); one per request.
 */
public final class BackendStream extends StreamSet.Member {
  /** What a stream's user hears; on the event loop. */
  public interface User {
    /** A response object, as an HTTP/1.1 decoder gives it; the user owns it. */
    void read(HttpObject msg);

    /** The end of a read of the connection in which the stream read something. */
    void readComplete();

    /** The stream's writability changed ({@link BackendStream#isWritable}). */
    void writabilityChanged();

    /** A tick of the connection's read timer: see {@link H2Connections}. */
    void tick();

    /** The stream ended, for whatever reason; nothing more is read or written. */
    void closed();
  }

  private static final Function<HttpMessage, Http2Headers> PLAIN =
      m -> Http1ToHttp2.request((HttpRequest) m, false);
  private static final Function<HttpMessage, Http2Headers> SECURE =
      m -> Http1ToHttp2.request((HttpRequest) m, true);

  private final BackendStreams connection;
  /** The stream's id on the connection, 0 until its HEADERS are written. */
  private int id;
  private final Function<HttpMessage, Http2Headers> heads;
  private final StreamInbox inbox;
  private final ChannelFutureListener opened = this::onOpened;
  private User user;
  private Http2Stream state;
  /** The response's head was read: later HEADERS are its trailers. */
  private boolean headRead;
  private boolean headWritten;
  private boolean sentEnd;
  private boolean readEnd;
  private boolean closed;
  private String failure;
  private boolean notProcessed;

  BackendStream(BackendStreams connection, boolean secure) {
    this.connection = connection;
    this.heads = secure ? SECURE : PLAIN;
    this.inbox = new StreamInbox(new StreamInbox.Window() {
      @Override
      public void windowUpdate(int bytes) {
        connection.consumed(state, bytes);
      }

      @Override
      public void flush() {
        connection.flush();
      }
    }, this::deliver, this::readComplete);
  }

  /** Who reads the stream: set before anything is written to it. */
  public void user(User u) {
    this.user = u;
  }

  /** The connection the stream is on (its event loop, its allocator). */
  public Channel connection() {
    return connection.channel();
  }

  /** Why the stream ended, when the backend said (a reset, a GOAWAY); else null. */
  public String failure() {
    return failure;
  }

  /** The backend said it did not process the request: it may go anywhere, as never sent. */
  public boolean notProcessed() {
    return notProcessed;
  }

  public boolean isOpen() {
    return !closed;
  }

  /** True while the stream's window and the connection take more bytes. */
  public boolean isWritable() {
    if (closed) {
      return false;
    }
    return (state == null || connection.isWritable(state)) && connection.channel().isWritable();
  }

  // ---- out

  /**
   * Writes {@code msg} (taken over) as the stream's frames; {@code done}, when not null, hears
   * when the last of them was written.
   */
  public void write(HttpObject msg, ChannelFutureListener done) {
    if (closed) {
      ReferenceCountUtil.release(msg);
      if (done != null) {
        notify(done, connection.channel().newFailedFuture(new IllegalStateException(
            "stream closed")));
      }
      return;
    }
    Http2StreamFrame[] frames;
    try {
      frames = StreamFrames.frames(msg, heads);
    } catch (RuntimeException e) {
      ReferenceCountUtil.release(msg);
      failSoon("request cannot go as HTTP/2: " + e.getMessage(), false);
      return;
    }
    for (int i = 0; i < frames.length; i++) {
      Http2StreamFrame f = frames[i];
      sentEnd |= ends(f);
      boolean first = !headWritten;
      headWritten = true;
      boolean last = i == frames.length - 1;
      if (first) {
        if (!(f instanceof Http2HeadersFrame h)) {
          throw new IllegalStateException("a stream to a backend begins with a message head");
        }
        // The stream begins with these HEADERS: its id is given as they are written.
        ChannelFuture w = connection.open(this, h);
        w.addListener(opened);
        if (last && done != null) {
          w.addListener(done);
        }
      } else if (last && done != null) {
        connection.write(id, f, true).addListener(done);
      } else {
        connection.write(id, f, false);
      }
      if (closed) {
        // The write closed the stream (its HEADERS could not go): the rest is dropped.
        for (int j = i + 1; j < frames.length; j++) {
          ReferenceCountUtil.release(frames[j]);
        }
        return;
      }
    }
  }

  private static void notify(ChannelFutureListener l, ChannelFuture f) {
    try {
      l.operationComplete(f);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean ends(Http2StreamFrame f) {
    return f instanceof Http2DataFrame d ? d.isEndStream()
        : f instanceof Http2HeadersFrame h && h.isEndStream();
  }

  private void onOpened(ChannelFuture f) {
    if (!f.isSuccess() && !closed) {
      // HEADERS that could not open the stream: nothing of the request reached the backend.
      failSoon("no stream: " + H2Connections.describe(f.cause()), true);
    }
  }

  /**
   * Fails the stream from the event loop's queue, not from inside the write that found the
   * failure (which may be the user's own, in the middle of writing the request).
   */
  private void failSoon(String why, boolean notProcessed) {
    connection.channel().eventLoop().execute(() -> {
      if (!closed) {
        fail(why, notProcessed);
      }
    });
  }

  public void flush() {
    connection.flush();
  }

  /**
   * Ends the stream now: reset with CANCEL unless both of its ends went (then it closes by
   * itself). The user, who asks, hears nothing more.
   */
  public void close() {
    user = null;
    if (closed) {
      return;
    }
    if (state == null) {
      ended();
      return;
    }
    if (!(sentEnd && readEnd)) {
      connection.reset(id);
    }
  }

  private void fail(String why, boolean notProcessed) {
    if (failure == null) {
      failure = why;
      this.notProcessed = notProcessed;
    }
    if (state != null && !closed) {
      connection.reset(id);
    } else {
      ended();
    }
  }

  // ---- in (from the connection)

  /** Its HEADERS are being written with this id. */
  void opening(int id) {
    this.id = id;
  }

  /** Its HEADERS opened the stream: its state, for flow control. */
  void active(Http2Stream s) {
    state = s;
  }

  @Override
  public void read(Http2StreamFrame frame) {
    inbox.offer(frame);
  }

  private void deliver(Http2StreamFrame frame) {
    inbox.taken(frame);
    User u = user;
    if (u == null || closed) {
      ReferenceCountUtil.release(frame);
      return;
    }
    if (frame instanceof Http2DataFrame data) {
      readEnd |= data.isEndStream();
      u.read(Http2ToHttp1.bodyPart(data));
    } else if (frame instanceof Http2HeadersFrame h) {
      readEnd |= h.isEndStream();
      if (headRead) {
        u.read(Http2ToHttp1.trailers(h.headers()));
      } else {
        head(u, h);
      }
    } else {
      ReferenceCountUtil.release(frame);
    }
  }

  private void head(User u, Http2HeadersFrame frame) {
    HttpResponse head;
    try {
      head = Http2ToHttp1.response(frame.headers(), frame.isEndStream());
    } catch (Http2Exception e) {
      fail("malformed response head from backend: " + e.getMessage(), false);
      return;
    }
    int code = head.status().code();
    // A 1xx other than 101 is followed by the real head, which reads as a new message.
    boolean interim = code < 200 && code != 101;
    headRead = !interim;
    u.read(head);
    if ((interim || frame.isEndStream()) && user != null && !closed) {
      user.read(LastHttpContent.EMPTY_LAST_CONTENT);
    }
  }

  /** The end of the connection's read: the bytes taken go back, the user hears the end. */
  @Override
  public void readComplete() {
    inbox.giveBack();
    User u = user;
    if (u != null && !closed) {
      u.readComplete();
    }
  }

  /** Reads the stream's frames, or holds them (and the backend's window with them). */
  public void setReading(boolean on) {
    inbox.setReading(on);
  }

  public boolean reading() {
    return inbox.reading();
  }

  @Override
  public void writabilityChanged() {
    User u = user;
    if (u != null && !closed) {
      u.writabilityChanged();
    }
  }

  void tick() {
    User u = user;
    if (u != null && !closed) {
      u.tick();
    }
  }

  /** Handling the stream threw: it is reset, and its user hears it closed. */
  @Override
  public void crashed(RuntimeException e) {
    fail("ballast failed on the stream: " + e, false);
  }

  /** The backend reset the stream. */
  void resetByBackend(long errorCode) {
    Http2Error error = Http2Error.valueOf(errorCode);
    if (failure == null) {
      failure = "backend reset the stream (" + (error == null ? "error " + errorCode
          : error.name()) + ")";
      notProcessed = error == Http2Error.REFUSED_STREAM;
    }
  }

  /** A GOAWAY left the stream out: the backend did not take it. */
  void leftOut(int lastStreamId) {
    if (failure == null) {
      failure = "backend sent GOAWAY (last stream " + lastStreamId + ") before taking the request";
      notProcessed = true;
    }
  }

  /** The codec raised an error on the stream (it resets it). */
  void streamError(Throwable cause) {
    if (failure == null) {
      failure = "HTTP/2 stream error: " + cause.getMessage();
    }
  }

  /** The stream closed (the codec said, or it never opened): once. */
  void ended() {
    if (closed) {
      return;
    }
    closed = true;
    inbox.close();
    connection.streamEnded(this);
    User u = user;
    user = null;
    if (u != null) {
      u.closed();
    }
  }

  @Override
  public int id() {
    return id;
  }

}
