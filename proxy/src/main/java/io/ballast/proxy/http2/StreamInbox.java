package io.ballast.proxy.http2;

import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * A stream's frames on their way in (a client's stream, {@link ClientStream}, or a stream to a
 * backend, {@code upstream.h2.BackendStream}), with the stream's flow control as the
 * backpressure: while the stream is not read (its exchange cannot take the body yet, its
 * client reads the response slowly, its tunnel's other side is slow), its frames wait here in
 * order and their bytes are not given back to the peer's window, which stops the peer within
 * one window (the codec refuses a peer that sends past it). Bytes taken are given back at the
 * end of each read.
 *
 * <p>One per stream; event-loop only.
 */
public final class StreamInbox {
  /** Where one stream's bytes go back to its peer's window, through the stream's connection. */
  public interface Window {
    /** Gives {@code bytes} of the stream's DATA back to the peer's windows (written, not sent). */
    void windowUpdate(int bytes);

    /** Sends what was written. */
    void flush();
  }

  private final Window window;
  private final Consumer<Http2StreamFrame> reader;
  private final Runnable readEnded;
  /** Frames that arrived while the stream was not read, in order; null until one did. */
  private ArrayDeque<Http2StreamFrame> queued;
  private boolean reading = true;
  private boolean draining;
  private boolean closed;
  /** Bytes of DATA taken and not yet given back to the client's window. */
  private int taken;

  /**
   * {@code reader} takes each frame in order; {@code readEnded} runs after a read of frames
   * that were held back.
   */
  public StreamInbox(Window window, Consumer<Http2StreamFrame> reader, Runnable readEnded) {
    this.window = window;
    this.reader = reader;
    this.readEnded = readEnded;
  }

  /** A frame from the client: read now, or held while the stream is not read. */
  public void offer(Http2StreamFrame frame) {
    if (closed) {
      ReferenceCountUtil.release(frame);
    } else if (!reading || queued != null && !queued.isEmpty()) {
      if (queued == null) {
        queued = new ArrayDeque<>(4);
      }
      queued.add(frame);
    } else {
      reader.accept(frame);
    }
  }

  /** {@code frame}'s bytes were taken: they go back to the client's window at the read's end. */
  public void taken(Http2StreamFrame frame) {
    if (frame instanceof Http2DataFrame data) {
      taken += data.initialFlowControlledBytes();
    }
  }

  /** The end of a read: the bytes taken go back to the client's window. */
  public void giveBack() {
    int n = taken;
    if (n > 0 && !closed) {
      taken = 0;
      window.windowUpdate(n);
    }
  }

  public boolean reading() {
    return reading;
  }

  /** Reads the stream's frames, or holds them (and the client's window with them). */
  public void setReading(boolean on) {
    if (reading == on) {
      return;
    }
    reading = on;
    if (on && queued != null && !queued.isEmpty() && !draining) {
      draining = true;
      try {
        Http2StreamFrame f;
        while (reading && !closed && (f = queued.poll()) != null) {
          reader.accept(f);
        }
        readEnded.run();
        // Outside a read of the connection: nothing else gives these bytes back.
        giveBack();
        window.flush();
      } finally {
        draining = false;
      }
    }
  }

  /** The stream closed: what waits is dropped (the codec gives its bytes back itself). */
  public void close() {
    closed = true;
    if (queued != null) {
      Http2StreamFrame f;
      while ((f = queued.poll()) != null) {
        ReferenceCountUtil.release(f);
      }
    }
  }
}
