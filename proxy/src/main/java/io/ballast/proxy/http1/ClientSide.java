package io.ballast.proxy.http1;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;

/**
 * Where an exchange's answer goes: an HTTP/1.1 connection, or one HTTP/2 stream of a connection.
 * The exchange writes HTTP/1.1-shaped messages (a response head, body parts, a last part, or a
 * full response) and the side encodes them for its protocol.
 *
 * <p>Writes take no promise: an error of the client's I/O closes the side, and the exchange hears
 * of it as the client going away. Event-loop only (the connection's).
 */
public interface ClientSide {
  /** The client's TCP connection (for an HTTP/2 stream, the connection that carries it). */
  Channel connection();

  default EventLoop eventLoop() {
    return connection().eventLoop();
  }

  /** True until the side closed: its answer may still be written. */
  boolean isActive();

  /** False while the client is slow to take what was written (its buffer or window is full). */
  boolean isWritable();

  /** Queues {@code msg} (a response head, body part or full response); {@link #flush} sends. */
  void write(Object msg);

  /** Sends what was queued. */
  void flush();

  /** Writes {@code msg} and sends it with what was queued before it. */
  void writeAndFlush(Object msg);

  /** Ends the side at once: an HTTP/1.1 connection closes, an HTTP/2 stream is reset. */
  void close();
}
