package io.ballast.proxy.http2;

import io.ballast.proxy.ListenerContext;
import io.ballast.proxy.ProxySettings;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.AsciiString;

/**
 * Builds the handlers of a client connection that speaks HTTP/2: the {@link Http2ServerCodec}
 * (Netty's connection handler with ballast's limits, whose {@link StreamDispatch} hands each
 * stream's frames to its {@link ClientStream}), a flush consolidation, and the
 * {@link Http2ServerConnection} that owns the connection. Each
 * stream is translated to HTTP/1.1-shaped messages and served by the same exchange as an
 * HTTP/1.1 connection, so routing, attempts, retries and the access log exist once for both.
 *
 * <p>Thread-safe (immutable); called on the connection's event loop.
 */
public final class Http2Server {
  private Http2Server() {}

  /** The HTTP/2 handlers of a new connection, in pipeline order. */
  static ChannelHandler[] handlers(ListenerContext listener, ProxySettings settings,
      boolean alreadyCounted) {
    Http2ServerConnection connection =
        new Http2ServerConnection(listener, settings, alreadyCounted);
    Http2ServerCodec codec = codec(settings, connection);
    // Each stream's response flushes its connection when it ends, and responses end in the
    // reads of their backends' connections: without this, every response of a busy connection
    // is a write system call of its own. Flushes made while the client's connection is read go
    // out at the end of that read; the others at the end of the event loop's pass.
    FlushConsolidationHandler flushes = new FlushConsolidationHandler(
        FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true);
    return new ChannelHandler[] {codec, flushes, connection};
  }

  /**
   * Adds the HTTP/2 handlers after the handler named {@code after}.
   *
   * @param counted the connection was counted open already (it began as HTTP/1.1)
   */
  public static void installAfter(ChannelPipeline pipeline, String after,
      ListenerContext listener, ProxySettings settings, boolean counted) {
    String previous = after;
    for (ChannelHandler h : handlers(listener, settings, counted)) {
      String name = "h2-" + h.getClass().getSimpleName();
      pipeline.addAfter(previous, name, h);
      previous = name;
    }
  }

  static Http2ServerCodec codec(ProxySettings settings, Http2ServerConnection owner) {
    Http2Options o = settings.http2();
    Http2Settings initial = Http2Settings.defaultSettings()
        .maxConcurrentStreams(o.maxConcurrentStreams())
        .initialWindowSize(o.initialWindowSize())
        // The same bound as an HTTP/1.1 header section, checked as HPACK decodes (an HPACK
        // bomb expands a few bytes into a huge list: decoding stops at the bound).
        .maxHeaderListSize(settings.maxHeaderSize())
        // WebSockets over HTTP/2 (RFC 8441).
        .connectProtocolEnabled(true);
    AsciiString requestId = AsciiString.of(settings.forwarding().requestIdHeader());
    Http2ServerCodec codec = new Http2ServerCodec.Builder(connection(), owner)
        .initialSettings(initial)
        .validateHeaders(true)
        // A request id is new in every response: indexed, it would take a place in the HPACK
        // table that no later response can use, evicting one that could.
        .headerSensitivityDetector((name, value) -> requestId.contentEqualsIgnoreCase(name))
        .decoderEnforceMaxRstFramesPerWindow(o.maxResets(), o.resetWindowSeconds())
        .encoderEnforceMaxRstFramesPerWindow(o.maxResets(), o.resetWindowSeconds())
        .build();
    // GOAWAY at a drain lets the streams in flight finish; this bounds how long they may take.
    codec.gracefulShutdownTimeoutMillis(
        Math.max(30_000, settings.responseTimeout().toMillis()));
    return codec;
  }

  /**
   * The connection state of a client's connection, with a cheaper byte distributor than Netty's
   * default. The default ({@code WeightedFairQueueByteDistributor}) keeps RFC 7540's priority
   * tree: a state object and queue entries per stream and a priority-queue walk to share out
   * each write (7 % of the event loop's samples under h2load, most of it the frame writes any
   * distributor makes). RFC 9113 deprecated that priority scheme and clients no longer send it
   * (h2load, browsers, gRPC), so the tree only ever had one level. {@link
   * UniformStreamByteDistributor} shares the connection window in equal chunks among the
   * streams that have data, round robin: every stream still gets its turn, which is the
   * fairness that matters to a proxy. Measured: about 3 % less CPU per request (h2load, median
   * of 10 interleaved rounds; within the machine's noise, but never worse in the profile).
   */
  private static Http2Connection connection() {
    DefaultHttp2Connection connection = new DefaultHttp2Connection(true);
    connection.remote().flowController(new DefaultHttp2RemoteFlowController(connection,
        new UniformStreamByteDistributor(connection)));
    return connection;
  }
}
