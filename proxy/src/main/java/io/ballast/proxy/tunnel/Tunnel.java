package io.ballast.proxy.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A raw byte relay between a client connection and a backend connection that knows nothing of
 * the protocol it carries (WebSocket after an HTTP/1.1 upgrade or an HTTP/2 extended CONNECT,
 * and the connections of TCP listeners, {@code proxy.tcp}):
 * <ul>
 *   <li>both directions with backpressure ({@link Pipe}): a side is read only while the other
 *       can take more, so a tunnel holds at most about one write buffer (high-water mark) and
 *       one read per direction, however fast one side sends and slowly the other reads;
 *   <li>the end of each direction passed on as a half-close: a side's FIN becomes the other
 *       side's FIN once what came before it has gone, and the tunnel closes when both
 *       directions have ended, or at once when either connection breaks;
 *   <li>an idle timeout over both directions ({@link IdleTimer});
 *   <li>ballast's own end ({@link #goAway}): the client gets the protocol's goodbye
 *       ({@link Farewell}) at the next boundary of the stream, the backend a close;
 *   <li>bytes counted each way, told as they cross and once at the end ({@link TunnelListener}).
 * </ul>
 *
 * <p>How to open one: construct it, install {@link #endpoint(boolean)} in each connection's
 * pipeline where bytes arrive raw, take the protocol's handlers out (what they had buffered
 * reaches the endpoints and waits), then {@link #start()}. The tunnel ends when both connections
 * have closed; the listener hears it once and the registry forgets it.
 *
 * <p>Threading: both connections must live on one event loop; every method runs there, except
 * {@link #goAway}, which may be called from any thread, and the figures, which are read-only.
 */
public final class Tunnel {
  /** How long a refused client's goodbye may wait for the backend's frame in progress. */
  private static final long GOODBYE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final Logger LOG = LoggerFactory.getLogger(Tunnel.class);

  private final TunnelSide client;
  private final TunnelSide backend;
  /** Client to backend. */
  private final Pipe up;
  /** Backend to client. */
  private final Pipe down;
  private final TunnelEndpoint clientEnd = new TunnelEndpoint(this, true);
  private final TunnelEndpoint backendEnd = new TunnelEndpoint(this, false);
  private final Farewell farewell;
  private final TunnelListener listener;
  private final Tunnels registry;
  private final IdleTimer idle;
  private final long startNanos = System.nanoTime();
  /** Chunks the protocol's handlers left behind before {@link #start()}, per side. */
  private ArrayDeque<ByteBuf> earlyFromClient;
  private ArrayDeque<ByteBuf> earlyFromBackend;
  private boolean started;
  /** Waiting for a boundary of the stream to the client, to say goodbye there. */
  private boolean leaving;
  /** The client broke the protocol's limit: the goodbye is the protocol's refusal. */
  private boolean refused;
  /** The tunnel closes its connections: every close from now on is its own. */
  private boolean closing;
  /** The first ending event; null while both sides are open and talking. */
  private TunnelEnd end;
  private int open = 2;
  private ScheduledFuture<?> grace;
  /** A connection that breaks takes the other down with a reset, not a FIN ({@link #passResets}). */
  private boolean passResets;

  /**
   * @param client the client's connection
   * @param backend the backend's connection, on the client's event loop
   * @param idleTimeout the tunnel closes when neither side sent a byte for this long
   * @param farewell what the client is told when ballast ends the tunnel itself
   * @param listener hears the bytes and the end
   * @param registry the open tunnels of the proxy, which this one joins at its start
   */
  public Tunnel(Channel client, Channel backend, Duration idleTimeout, Farewell farewell,
      TunnelListener listener, Tunnels registry) {
    this(TunnelSide.of(client), backend, idleTimeout, farewell, listener, registry);
  }

  /**
   * A tunnel whose client side is no channel of its own (an HTTP/2 stream): it feeds
   * {@link #clientInput()} instead of an endpoint handler.
   */
  public Tunnel(TunnelSide client, Channel backend, Duration idleTimeout, Farewell farewell,
      TunnelListener listener, Tunnels registry) {
    this.client = Objects.requireNonNull(client, "client");
    this.backend = TunnelSide.of(Objects.requireNonNull(backend, "backend"));
    if (client.eventLoop() != backend.eventLoop()) {
      throw new IllegalArgumentException("client and backend channels on different event loops: "
          + client.eventLoop() + ", " + backend.eventLoop());
    }
    this.farewell = Objects.requireNonNull(farewell, "farewell");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.idle = new IdleTimer(client.eventLoop(), idleTimeout.toNanos(), this::onIdle);
    this.up = new Pipe(this.client, this.backend);
    this.down = new Pipe(this.backend, this.client);
  }

  /** The handler to install in the client's ({@code true}) or the backend's pipeline. */
  public ChannelHandler endpoint(boolean clientSide) {
    return clientSide ? clientEnd : backendEnd;
  }

  /** What a client side that is no channel tells the tunnel (instead of an endpoint handler). */
  public TunnelInput clientInput() {
    return clientEnd;
  }

  /**
   * When one connection breaks (a reset, a write error), the other is reset too (closed with
   * SO_LINGER 0) instead of closed in order. For raw TCP, where the peer reads a FIN as "the
   * stream ended whole", a reset is the only way to say that it did not; a protocol with its own
   * framing (WebSocket) leaves it off. Call before {@link #start()}.
   */
  public void passResets() {
    passResets = true;
  }

  /**
   * Starts relaying: what arrived before goes first, then both sides are read. A connection
   * that closed meanwhile ends the tunnel at once.
   */
  public void start() {
    if (started) {
      throw new IllegalStateException("tunnel already started");
    }
    started = true;
    registry.add(this);
    client.allowHalfClosure();
    backend.allowHalfClosure();
    client.onClose(() -> closed(true));
    backend.onClose(() -> closed(false));
    idle.start();
    drainEarly(true, earlyFromClient);
    drainEarly(false, earlyFromBackend);
    earlyFromClient = null;
    earlyFromBackend = null;
    if (!closing) {
      up.start();
      down.start();
    }
  }

  /**
   * Ballast ends the tunnel (shutdown): the client is no longer relayed, the backend's bytes
   * flow until the stream to the client reaches a boundary, then the client gets the farewell
   * and the close, the backend a close. After {@code grace} both close whatever the state (a
   * frame that does not end, a client that does not read its goodbye). Any thread.
   */
  public void goAway(Duration grace) {
    try {
      client.eventLoop().execute(() -> leave(grace.toNanos()));
    } catch (RejectedExecutionException e) {
      // The event loop is stopping: it closes the connections itself.
    }
  }

  /** Bytes waiting in ballast's outbound buffers of both connections now. Any thread. */
  public long bufferedBytes() {
    return client.pending() + backend.pending();
  }

  /** The most bytes either connection's outbound buffer held after a write. Any thread. */
  public long peakBufferedBytes() {
    return Math.max(up.peakPending(), down.peakPending());
  }

  // ---- from the endpoints

  void read(boolean fromClient, ByteBuf chunk) {
    if (!started) {
      early(fromClient).add(chunk);
      return;
    }
    int n = chunk.readableBytes();
    listener.relayed(fromClient, n);
    Pipe pipe = fromClient ? up : down;
    if (closing || leaving && fromClient) {
      pipe.count(n);
      chunk.release();
    } else if (leaving) {
      relayUntilBoundary(chunk);
    } else if (fromClient) {
      int cut = farewell.refusedIn(chunk);
      if (cut < 0) {
        pipe.relay(chunk);
        return;
      }
      // The client broke the protocol's limit: what came before goes on, the rest is dropped,
      // and the tunnel ends with the protocol's refusal.
      if (cut > 0) {
        pipe.relay(chunk.retainedSlice(chunk.readerIndex(), cut));
      }
      pipe.count(n - cut);
      chunk.release();
      refused = true;
      if (end == null) {
        end = TunnelEnd.CLIENT_OVER_LIMIT;
      }
      leave(GOODBYE_GRACE_NANOS);
    } else {
      // Before the write, which may release the chunk (a closed sink).
      farewell.toClient(chunk);
      pipe.relay(chunk);
    }
  }

  void readComplete(boolean fromClient) {
    if (started) {
      idle.touch();
      (fromClient ? up : down).flush();
    }
  }

  void writabilityChanged(boolean clientSide) {
    if (started && !closing) {
      idle.touch();
      // The client's channel is the sink of the backend-to-client direction.
      (clientSide ? down : up).sinkWritabilityChanged();
    }
  }

  /** The side sent its FIN. */
  void inputEnded(boolean fromClient) {
    if (closing) {
      return;
    }
    if (end == null) {
      end = fromClient ? TunnelEnd.CLIENT_CLOSED : TunnelEnd.BACKEND_CLOSED;
    }
    if (leaving) {
      if (!fromClient) {
        backendGoneWhileLeaving();
      }
      return;
    }
    // The other direction's FIN went through already: this one ends the tunnel.
    boolean last = (fromClient ? down : up).done();
    (fromClient ? up : down).sourceEnded(this::directionDone, last);
  }

  void failed(boolean clientSide, Throwable cause) {
    if (end == null) {
      end = clientSide ? TunnelEnd.CLIENT_RESET : TunnelEnd.BACKEND_RESET;
    }
    LOG.debug("tunnel: {} connection failed: {}", clientSide ? "client" : "backend",
        cause.toString());
    closeBoth();
  }

  // ---- inside

  private ArrayDeque<ByteBuf> early(boolean fromClient) {
    if (fromClient) {
      if (earlyFromClient == null) {
        earlyFromClient = new ArrayDeque<>(2);
      }
      return earlyFromClient;
    }
    if (earlyFromBackend == null) {
      earlyFromBackend = new ArrayDeque<>(2);
    }
    return earlyFromBackend;
  }

  private void drainEarly(boolean fromClient, ArrayDeque<ByteBuf> chunks) {
    if (chunks == null) {
      return;
    }
    ByteBuf c;
    while ((c = chunks.poll()) != null) {
      read(fromClient, c);
    }
    readComplete(fromClient);
  }

  /** While leaving: the bytes up to the next boundary go to the client, then the goodbye. */
  private void relayUntilBoundary(ByteBuf chunk) {
    int cut = farewell.boundaryIn(chunk);
    if (cut < 0) {
      down.relay(chunk);
      return;
    }
    int n = chunk.readableBytes();
    if (cut > 0) {
      down.relay(chunk.retainedSlice(chunk.readerIndex(), cut));
    }
    // The rest was read and is dropped: the client's stream ends with the goodbye.
    down.count(n - cut);
    chunk.release();
    sayGoodbye();
  }

  private void leave(long graceNanos) {
    if (closing || leaving) {
      return;
    }
    leaving = true;
    if (end == null) {
      end = TunnelEnd.SHUTDOWN;
    }
    grace = client.eventLoop().schedule(this::closeBoth, graceNanos, TimeUnit.NANOSECONDS);
    if (!started) {
      closeBoth();
      return;
    }
    up.halt();
    if (down.sourceEnded()) {
      backendGoneWhileLeaving();
    } else if (farewell.atBoundary()) {
      sayGoodbye();
    }
    // Otherwise the backend's next bytes complete the unit in progress (relayUntilBoundary).
  }

  /** The backend stopped sending while ballast waits for a boundary. */
  private void backendGoneWhileLeaving() {
    if (farewell.atBoundary()) {
      sayGoodbye();
    } else {
      closeBoth();
    }
  }

  private void sayGoodbye() {
    closing = true;
    leaving = false;
    backend.close();
    ByteBuf bye = refused ? farewell.refusal(client.alloc()) : farewell.goodbye(client.alloc());
    client.writeAndFlush(bye == null ? Unpooled.EMPTY_BUFFER : bye)
        .addListener(f -> client.close());
  }

  private void onIdle() {
    if (end == null) {
      end = TunnelEnd.IDLE_TIMEOUT;
    }
    closeBoth();
  }

  /** Both FINs have gone through: nothing more can come either way. */
  private void directionDone() {
    if (up.done() && down.done()) {
      closeBoth();
    }
  }

  private void closeBoth() {
    closing = true;
    if (passResets && (end == TunnelEnd.CLIENT_RESET || end == TunnelEnd.BACKEND_RESET)) {
      (end == TunnelEnd.BACKEND_RESET ? client : backend).resetOnClose();
    }
    client.close();
    backend.close();
  }

  /** A side closed, whoever closed it. */
  private void closed(boolean clientSide) {
    if (!closing) {
      // Closed under the tunnel (with half-closure on, a FIN never closes a connection).
      if (end == null) {
        end = clientSide ? TunnelEnd.CLIENT_RESET : TunnelEnd.BACKEND_RESET;
      }
      closeBoth();
    }
    if (--open == 0) {
      finish();
    }
  }

  private void finish() {
    idle.stop();
    ScheduledFuture<?> g = grace;
    grace = null;
    if (g != null) {
      g.cancel(false);
    }
    try {
      listener.closed(new TunnelSummary(up.bytes(), down.bytes(),
          System.nanoTime() - startNanos, end == null ? TunnelEnd.SHUTDOWN : end));
    } finally {
      // Last: whoever waits for the tunnels to close finds its end reported.
      registry.remove(this);
    }
  }

  @Override
  public String toString() {
    return "tunnel " + client.remoteAddress() + " <-> " + backend.remoteAddress()
        + (end == null ? "" : " (" + end.label() + ")");
  }
}
