package io.ballast.proxy.http2;

import io.ballast.proxy.ProxyServer;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.util.ArrayList;
import java.util.Collection;

/**
 * The open streams of one HTTP/2 connection that has no channel per stream (a client's
 * connection, {@link StreamDispatch}; a connection to a backend, {@code upstream.h2.
 * BackendStreams}), by id, and what both dispatches do with them alike:
 * <ul>
 *   <li>a stream's HEADERS and DATA go to it, and a stream that read in the connection's current
 *       read hears the read's end once ({@link #readComplete});
 *   <li>a stream whose handling throws (a fault of ballast's, not the peer's) is logged and
 *       reset alone ({@link Member#crashed}); the connection's other streams go on, as they
 *       would with a channel per stream.
 * </ul>
 *
 * <p>Event-loop only; one per connection.
 */
public final class StreamSet<S extends StreamSet.Member> {
  /** A stream as its set drives it. */
  public abstract static class Member {
    /** Listed for the end of the connection's current read; kept by the set. */
    private boolean listed;

    /** The stream's id, for the log. */
    public abstract int id();

    /** A HEADERS or DATA frame of the stream. */
    public abstract void read(Http2StreamFrame frame);

    /** The end of a read of the connection in which the stream read. */
    public abstract void readComplete();

    /** The stream's writability (its window, the connection's buffer) changed. */
    public abstract void writabilityChanged();

    /** Handling the stream threw: it is reset, and ends. */
    public abstract void crashed(RuntimeException e);
  }

  private final IntObjectMap<S> byId = new IntObjectHashMap<>();
  private final ArrayList<S> readInPass = new ArrayList<>();
  private final String peer;
  private Object connection;

  /** {@code peer}: whom the streams go to, for the log ("of" a client, "to" a backend). */
  public StreamSet(String peer) {
    this.peer = peer;
  }

  /** The connection, for the log. */
  public void connection(Object c) {
    this.connection = c;
  }

  public S get(int id) {
    return byId.get(id);
  }

  public void put(int id, S s) {
    byId.put(id, s);
  }

  public S remove(int id) {
    return byId.remove(id);
  }

  public boolean contains(int id) {
    return byId.containsKey(id);
  }

  public int size() {
    return byId.size();
  }

  /** The streams open now, as a live view. */
  public Collection<S> all() {
    return byId.values();
  }

  /** The streams open now, as a copy (to call them while they may leave). */
  public ArrayList<S> copy() {
    return new ArrayList<>(byId.values());
  }

  /** {@code frame} (HEADERS or DATA) of the stream {@code s}. */
  public void read(S s, Http2StreamFrame frame) {
    try {
      s.read(frame);
    } catch (RuntimeException e) {
      failed(s, e);
      return;
    }
    Member m = s;
    if (!m.listed) {
      m.listed = true;
      readInPass.add(s);
    }
  }

  /** The end of the connection's read: each stream that read hears it. */
  public void readComplete() {
    for (int i = 0; i < readInPass.size(); i++) {
      S s = readInPass.get(i);
      ((Member) s).listed = false;
      try {
        s.readComplete();
      } catch (RuntimeException e) {
        failed(s, e);
      }
    }
    readInPass.clear();
  }

  /** The stream {@code id}'s writability changed. */
  public void writabilityChanged(int id) {
    S s = byId.get(id);
    if (s != null) {
      writabilityChanged(s);
    }
  }

  public void writabilityChanged(S s) {
    try {
      s.writabilityChanged();
    } catch (RuntimeException e) {
      failed(s, e);
    }
  }

  /** Runs {@code end} (the stream's close) with a fault of it logged, not thrown. */
  public void ending(S s, Runnable end) {
    try {
      end.run();
    } catch (RuntimeException e) {
      ProxyServer.LOG.warn("HTTP/2 stream {} {} {} failed as it closed", s.id(), peer, connection,
          e);
    }
  }

  /** Handling {@code s} threw {@code e}: logged, and {@code s} is reset alone. */
  public void failed(S s, RuntimeException e) {
    ProxyServer.LOG.warn("HTTP/2 stream {} {} {} failed", s.id(), peer, connection, e);
    ending(s, () -> s.crashed(e));
  }
}
