package io.ballast.proxy.http1;

import io.netty.handler.codec.http.HttpObject;

/**
 * Where an attempt's request goes and its response comes from, as the {@link UpstreamLeg} sees
 * it: a backend connection of its own ({@link UpstreamHandler}, HTTP/1.1) or a stream of a
 * multiplexed one ({@link UpstreamStream}, HTTP/2). The leg writes HTTP/1.1 objects to it and
 * reads them back through {@link UpstreamLeg#onRead}, whichever it got.
 *
 * <p>Event-loop only (the client connection's, which the backend side shares).
 */
interface Upstream {
  /** What a write tells the leg when it is done ({@link UpstreamLeg#onHeadWritten}...). */
  enum Mark {
    /** Nothing. */
    NONE,
    /** The request's head went. */
    HEAD,
    /** The request's last part went. */
    LAST,
    /** The whole request went in one message (a head and its end). */
    WHOLE
  }

  /** The leg the upstream reads for now; null when none. */
  void owner(UpstreamLeg leg);

  /** Writes {@code msg} (taken over); the owner hears of it as {@code mark} says. */
  void write(HttpObject msg, Mark mark);

  void flush();

  /** True while the backend side takes request bytes now. */
  boolean isWritable();

  /** Stops reading the response (the client is slow): the backend is held by flow control. */
  void pauseReading();

  /** The client can take more: read the backend again. */
  void resume();

  /**
   * The owner's response is complete. {@code reusable}: the response and the request allow
   * keep-alive (a connection may then serve again; a stream ends either way).
   */
  void responseDone(boolean reusable);

  /**
   * The owner retried elsewhere after the response head: the rest is not wanted.
   * {@code reuse}: the connection may serve again once it read the rest.
   */
  void discardRest(boolean reuse);

  /** The request ends without its response: the upstream closes, nobody is told. */
  void close();

  /** Why the backend ended the upstream, when it said so; null otherwise. */
  String failure();

  /** The backend said it did not process the request: it may go anywhere, as never sent. */
  boolean notProcessed();
}
