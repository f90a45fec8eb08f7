package io.ballast.proxy.signals;

import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.signal.BackendSignals;
import io.ballast.core.signal.LoadReport;
import io.ballast.core.signal.LoadReportFormat;
import io.ballast.core.signal.SignalFormatException;
import io.ballast.core.signal.SignalSource;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.Map;

/**
 * Reads a pool's load-report header from each response head, reports its figures to the
 * backend's {@link BackendSignals}, and strips it so the client never sees it. A header that does
 * not parse marks the source stale (logged once per change) and changes nothing else: the
 * response goes on untouched. Exists only for pools that enable the header, so other pools pay
 * nothing.
 *
 * <p>Thread-safe and non-blocking: called by every event loop.
 */
public final class LoadReportReader {
  private final AsciiString name;
  private final LoadBalancer pool;

  public LoadReportReader(AsciiString name, LoadBalancer pool) {
    this.name = name;
    this.pool = pool;
  }

  /** Takes the header out of {@code headers} and reports it; nothing when it is absent. */
  public void read(Backend backend, HttpHeaders headers) {
    String value = headers.get(name);
    if (value == null) {
      return;
    }
    headers.remove(name);
    BackendSignals signals = backend.signals();
    Map<String, Double> figures;
    try {
      figures = LoadReportFormat.parse(value);
    } catch (SignalFormatException e) {
      String reason = "unreadable " + name + " header: " + e.getMessage();
      if (signals.markStale(SignalSource.HEADER, reason)) {
        SignalLog.stale(pool, backend, SignalSource.HEADER, reason);
      }
      return;
    }
    boolean wasStale = signals.staleReason(SignalSource.HEADER) != null;
    signals.report(LoadReport.figures(SignalSource.HEADER, pool.nowNanos(), figures));
    if (wasStale) {
      SignalLog.back(pool, backend, SignalSource.HEADER);
    }
  }
}
