package io.ballast.proxy.http1;

import io.ballast.proxy.upstream.h2.BackendStream;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;

/**
 * An attempt's {@link Upstream} on one stream of an HTTP/2 connection to a backend
 * ({@link BackendStream}, no channel of its own): the leg's writes become the stream's frames,
 * its frames come back as HTTP/1.1 objects, and the stream ends with the response (a stream is
 * never reused; its connection is).
 *
 * <p>A response that has begun and then sends nothing for the read timeout: the owner hears
 * {@link UpstreamLeg#onStalled}. The connection ticks for its streams at half the read timeout
 * (one timer per connection: {@code UpstreamPool}); two ticks without a read, or between the
 * read timeout and one and a half of it, is a stall. Not while reading is paused because the
 * client reads slowly, nor on the first tick after.
 *
 * <p>Event-loop only; one per stream.
 */
final class UpstreamStream implements Upstream, BackendStream.User {
  /** Ticks without a read that make a stall. */
  private static final int STALL_TICKS = 2;

  private final BackendStream stream;
  private final long tickNanos;
  private final OwnerCalls calls = new OwnerCalls(this, () -> this.owner);
  private UpstreamLeg owner;
  private int ticks;
  private boolean resumed;

  /** {@code tickNanos}: the period of the stream's connection's ticks. */
  UpstreamStream(BackendStream stream, long tickNanos) {
    this.stream = stream;
    this.tickNanos = tickNanos;
    stream.user(this);
  }

  @Override
  public void owner(UpstreamLeg leg) {
    owner = leg;
  }

  @Override
  public void write(HttpObject msg, Mark mark) {
    stream.write(msg, calls.of(mark));
  }

  @Override
  public void flush() {
    stream.flush();
  }

  @Override
  public boolean isWritable() {
    return stream.isWritable();
  }

  @Override
  public void pauseReading() {
    stream.setReading(false);
  }

  @Override
  public void resume() {
    resumed = true;
    stream.setReading(true);
  }

  @Override
  public void responseDone(boolean reusable) {
    owner = null;
    stream.close();
  }

  /** A reset costs the backend less than sending the rest, and the connection nothing. */
  @Override
  public void discardRest(boolean reuse) {
    owner = null;
    stream.close();
  }

  @Override
  public void close() {
    owner = null;
    stream.close();
  }

  @Override
  public String failure() {
    return stream.failure();
  }

  @Override
  public boolean notProcessed() {
    return stream.notProcessed();
  }

  // ---- from the stream

  @Override
  public void read(HttpObject msg) {
    ticks = 0;
    UpstreamLeg o = owner;
    if (o != null) {
      o.onRead(this, msg);
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void readComplete() {
    calls.readComplete();
  }

  @Override
  public void writabilityChanged() {
    calls.writabilityChanged();
  }

  @Override
  public void tick() {
    UpstreamLeg o = owner;
    if (o == null) {
      return;
    }
    if (!stream.reading() || resumed) {
      // Paused for a slow client: the backend is not the one stalling (see UpstreamHandler).
      resumed = false;
      ticks = 0;
      return;
    }
    if (++ticks >= STALL_TICKS) {
      o.onStalled(this, ticks * tickNanos / 1_000_000);
    }
  }

  @Override
  public void closed() {
    UpstreamLeg o = owner;
    owner = null;
    if (o != null) {
      o.onClosed(this);
    }
  }
}
