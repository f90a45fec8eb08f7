package io.ballast.server;

import io.ballast.core.ControlLoop;
import io.ballast.proxy.ProxyObserver;
import io.ballast.proxy.tls.ServerTls;
import io.ballast.server.accesslog.AccessLog;
import io.ballast.server.accesslog.AccessLogs;
import io.ballast.server.config.AccessLogConfig;
import io.ballast.server.metrics.CompositeObserver;
import io.ballast.server.metrics.ConnectionLimitMetrics;
import io.ballast.server.metrics.GrpcMetrics;
import io.ballast.server.metrics.Http2Metrics;
import io.ballast.server.metrics.ProxyMetrics;
import io.ballast.server.metrics.RefusalMetrics;
import io.ballast.server.metrics.TcpMetrics;
import io.ballast.server.metrics.TlsMetrics;
import io.ballast.server.metrics.TunnelMetrics;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Who learns what the data plane did: the request and pool metrics, the TLS, tunnel and TCP
 * listener metrics (all in one registry) and the access log of the moment, composed into the
 * one observer the proxy calls.
 *
 * <p>Used by one thread at a time (start, then the reload thread); {@link #current()}'s result
 * is thread-safe.
 */
final class Observers implements AutoCloseable {
  private final ProxyMetrics metrics;
  private final TlsMetrics tls;
  private final TunnelMetrics tunnels;
  private final TcpMetrics tcp;
  private final GrpcMetrics grpc;
  private final Http2Metrics http2;
  private final RefusalMetrics refusals;
  private final ConnectionLimitMetrics connectionLimits;
  private final AccessLogs accessLogs;

  /** @param served every TLS listener's certificates, read at each scrape */
  Observers(ControlLoop control, AccessLogConfig accessLog,
      Supplier<Map<String, ServerTls>> served) throws IOException {
    this.metrics = new ProxyMetrics(List.of(), control);
    this.tls = new TlsMetrics(metrics.registry(), served);
    this.tunnels = new TunnelMetrics(metrics.registry());
    this.tcp = new TcpMetrics(metrics.registry());
    this.grpc = new GrpcMetrics(metrics.registry());
    this.http2 = new Http2Metrics(metrics.registry());
    this.refusals = new RefusalMetrics(metrics.registry());
    this.connectionLimits = new ConnectionLimitMetrics(metrics.registry());
    this.accessLogs = new AccessLogs(accessLog);
  }

  ProxyMetrics metrics() {
    return metrics;
  }

  /** The TCP listeners' metrics, which also hear when a backend leaves its pool. */
  TcpMetrics tcp() {
    return tcp;
  }

  /** The observer to hand the proxy: every metric, and the access log when there is one. */
  ProxyObserver current() {
    AccessLog log = accessLogs.current();
    return log == null
        ? CompositeObserver.of(metrics, tls, tunnels, tcp, grpc, http2, refusals,
            connectionLimits)
        : CompositeObserver.of(metrics, tls, tunnels, tcp, grpc, http2, refusals,
            connectionLimits, log);
  }

  /**
   * Opens the access log {@code next} asks for and makes it current; returns the one it
   * replaces (to close once the proxy no longer writes to it), or null.
   */
  AccessLog replaceAccessLog(AccessLogConfig next) throws IOException {
    return accessLogs.replace(next);
  }

  @Override
  public void close() {
    accessLogs.close();
  }
}
