package io.ballast.proxy.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;

/**
 * One direction of a tunnel: what is read from {@code source} is written to {@code sink}, with
 * backpressure (the source is not read while the sink cannot take more, so ballast holds at most
 * the sink's write buffer high-water mark plus one read), and the source's end of stream (a FIN)
 * passed on as the sink's (its output shut down once what is queued has gone).
 *
 * <p>Event-loop only; both channels live on the same event loop.
 */
final class Pipe {
  private final TunnelSide source;
  private final TunnelSide sink;
  private long bytes;
  private boolean unflushed;
  /** Nothing more is relayed (the tunnel is ending): the source stays unread. */
  private boolean halted;
  /** The source sent its FIN. */
  private boolean sourceEnded;
  /** The sink's output was shut down after the source's FIN: this direction is done. */
  private boolean done;
  /** The most bytes the sink's outbound buffer held after a write of this pipe. */
  private volatile long peakPending;

  Pipe(TunnelSide source, TunnelSide sink) {
    this.source = source;
    this.sink = sink;
  }

  /** Bytes read from the source so far. */
  long bytes() {
    return bytes;
  }

  /** True once the source's FIN reached the sink. */
  boolean done() {
    return done;
  }

  boolean sourceEnded() {
    return sourceEnded;
  }

  long peakPending() {
    return peakPending;
  }

  /** Counts {@code n} bytes read from the source that were not relayed (the tunnel ends). */
  void count(int n) {
    bytes += n;
  }

  /** Writes a chunk read from the source (taking it over); pauses the source when needed. */
  void relay(ByteBuf chunk) {
    bytes += chunk.readableBytes();
    sink.write(chunk);
    unflushed = true;
    long pending = sink.pending();
    if (pending > peakPending) {
      peakPending = pending;
    }
    if (!sink.isWritable()) {
      // Whatever the rest of this read brings still goes out; the source is read no more until
      // the sink drains below its low-water mark (writabilityChanged).
      source.setReading(false);
    }
  }

  /** The end of a read of the source: what it wrote goes out in one flush. */
  void flush() {
    if (unflushed) {
      unflushed = false;
      sink.flush();
    }
  }

  /** The sink's writability changed: a sink that drained lets the source be read again. */
  void sinkWritabilityChanged() {
    if (sink.isWritable() && !halted && !sourceEnded && source.isActive()) {
      source.setReading(true);
    }
  }

  /** Starts reading the source (when the sink can take bytes). */
  void start() {
    source.setReading(sink.isWritable());
  }

  /** Relays nothing more: the source is not read any longer. */
  void halt() {
    halted = true;
    source.setReading(false);
  }

  /**
   * The source sent its FIN: what it sent before goes out, then the sink's output is shut down
   * (the peer reads its end of stream): a socket's FIN, or an HTTP/2 stream's END_STREAM
   * ({@link TunnelSide#endOutput}). {@code then} runs once this direction is done, or with
   * the failure that kept it from it.
   */
  void sourceEnded(Runnable then) {
    sourceEnded(then, false);
  }

  /**
   * As {@link #sourceEnded(Runnable)}; with {@code closing} (the sink's own FIN came through
   * already, so the tunnel closes both sides next) a socket sink's output is not shut down
   * first: the close that follows sends the FIN after what is queued, and the shutdown would
   * cost a system call and an exception with its stack trace for nothing (Netty makes one to
   * fail writes that nobody queued).
   */
  void sourceEnded(Runnable then, boolean closing) {
    sourceEnded = true;
    unflushed = false;
    sink.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFuture f) -> {
      if (closing && f.isSuccess() && sink.closeEndsOutput()) {
        done = true;
        then.run();
        return;
      }
      ChannelFuture shut = f.isSuccess() && sink.isActive() ? sink.endOutput() : null;
      if (shut == null) {
        sink.close();
        return;
      }
      shut.addListener((ChannelFuture s) -> {
        if (s.isSuccess()) {
          done = true;
          then.run();
        } else {
          sink.close();
        }
      });
    });
  }
}
