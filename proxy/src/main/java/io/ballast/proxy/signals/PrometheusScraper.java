package io.ballast.proxy.signals;

import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.signal.BackendSignals;
import io.ballast.core.signal.LoadReport;
import io.ballast.core.signal.PrometheusTextFormat;
import io.ballast.core.signal.SignalFormatException;
import io.ballast.core.signal.SignalSource;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * Scrapes each backend's Prometheus endpoint: {@code GET path} over HTTP/1.1 (Connection: close)
 * to the backend's host at the configured port, a 200 answer of at most
 * {@value PrometheusScrapeSpec#MAX_BODY} bytes, the configured gauges read from it
 * ({@link PrometheusTextFormat}) and reported as figures of source
 * {@link SignalSource#PROMETHEUS}. Unreachable, timed out, another status, too large, garbage or
 * none of the gauges present: the source goes stale (logged once per change); its return is
 * logged once too. Gauges missing while others are found are left out of the report.
 *
 * <p>Thread-safe lifecycle ({@link #start()}, {@link #close()}); each backend is scraped on one
 * event loop of the group.
 */
public final class PrometheusScraper extends BackendPoller {
  private final PrometheusScrapeSpec spec;

  public PrometheusScraper(LoadBalancer pool, PrometheusScrapeSpec spec, EventLoopGroup group) {
    super(pool, group, spec.port(), spec.interval(), spec.timeout());
    this.spec = spec;
  }

  public PrometheusScrapeSpec spec() {
    return spec;
  }

  @Override
  void initChannel(Channel channel, Attempt attempt) {
    channel.pipeline().addLast(new HttpClientCodec(),
        new HttpObjectAggregator(PrometheusScrapeSpec.MAX_BODY), new PageReader(attempt));
  }

  @Override
  void connected(Attempt attempt, Channel channel) {
    FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
        spec.path());
    req.headers()
        .set(HttpHeaderNames.HOST, hostHeader(attempt.backend().host()))
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
        .set(HttpHeaderNames.ACCEPT, "text/plain;version=0.0.4")
        .set(HttpHeaderNames.USER_AGENT, "ballast-signals")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
    channel.writeAndFlush(req);
  }

  private String hostHeader(String host) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + spec.port();
  }

  @Override
  void failed(Backend backend, String reason) {
    if (backend.signals().markStale(SignalSource.PROMETHEUS, reason)) {
      SignalLog.stale(pool, backend, SignalSource.PROMETHEUS, reason);
    }
  }

  private void page(Attempt attempt, FullHttpResponse response) {
    if (response.decoderResult().isFailure()) {
      attempt.fail("malformed response");
      return;
    }
    int status = response.status().code();
    if (status != 200) {
      attempt.fail("status " + status + " from " + spec.path());
      return;
    }
    PrometheusTextFormat.Extract extract;
    try {
      extract = PrometheusTextFormat.extract(
          response.content().toString(StandardCharsets.UTF_8), spec.gauges());
    } catch (SignalFormatException e) {
      attempt.fail("unreadable page: " + e.getMessage());
      return;
    }
    if (extract.figures().isEmpty()) {
      attempt.fail("no configured gauge on the page: " + String.join("; ", extract.problems()));
      return;
    }
    attempt.succeed();
    Backend backend = attempt.backend();
    BackendSignals signals = backend.signals();
    boolean wasStale = signals.staleReason(SignalSource.PROMETHEUS) != null;
    signals.report(LoadReport.figures(SignalSource.PROMETHEUS, pool.nowNanos(),
        extract.figures()));
    if (wasStale) {
      SignalLog.back(pool, backend, SignalSource.PROMETHEUS);
    }
  }

  /** Takes the aggregated response; event-loop only. */
  private final class PageReader extends SimpleChannelInboundHandler<FullHttpResponse> {
    private final Attempt attempt;

    PageReader(Attempt attempt) {
      this.attempt = attempt;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
      if (!attempt.over()) {
        page(attempt, response);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      attempt.fail("connection closed before a whole response");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      attempt.fail(cause instanceof TooLongFrameException
          ? "page larger than " + PrometheusScrapeSpec.MAX_BODY + " bytes"
          : "error: " + cause.getClass().getSimpleName());
    }
  }
}
