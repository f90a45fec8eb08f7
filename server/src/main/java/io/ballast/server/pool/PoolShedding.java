package io.ballast.server.pool;

import io.ballast.core.shed.ConcurrencyLimiter;
import io.ballast.core.shed.PoolShedder;
import io.ballast.core.shed.SheddingSettings;
import io.ballast.core.shed.WaitingLine;
import io.ballast.proxy.shed.Shedding;
import io.ballast.server.config.PoolConfig;
import io.ballast.server.config.SheddingConfig;
import io.ballast.server.reload.ConfigDiff;
import io.netty.util.AsciiString;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running pool's adaptive load shedding: the pool's one {@link ConcurrencyLimiter} (made on
 * first use and kept for the pool's life, so requests in flight release into the count they were
 * admitted to whatever a reload does), the {@link PoolShedder} that moves its limit on the
 * control loop, and the {@link Shedding} the pool's routes carry to the proxy.
 *
 * <p>A reload that changes the settings starts a new shedder that continues from the old one's
 * limit and baseline; one that changes only the classification keeps the shedder; one that turns
 * shedding off stops it (the proxy stops asking at once, the limit stays as it was for the
 * requests in flight). Started again later, it starts from the maximum.
 *
 * <p>Threading: {@link #apply} and {@link #close} by one thread at a time (the pool runtime's);
 * {@link #shedding()} and {@link #limiter()} are volatile reads for anyone.
 */
final class PoolShedding {
  private static final Logger log = LoggerFactory.getLogger(PoolShedding.class);

  private final String pool;
  private final PoolServices services;
  private ConcurrencyLimiter limiter;
  private PoolShedder shedder;
  private SheddingConfig config;
  private WaitingLine line;
  private volatile Shedding shedding;

  PoolShedding(String pool, PoolServices services) {
    this.pool = pool;
    this.services = services;
  }

  /** Applies the pool's {@code shedding} block; true when what the routes carry changed. */
  boolean apply(PoolConfig next) {
    Optional<SheddingConfig> wanted = next.shedding();
    if (wanted.isEmpty()) {
      if (config == null) {
        return false;
      }
      stop();
      config = null;
      shedding = null;
      log.info("pool {}: load shedding off", pool);
      return true;
    }
    SheddingConfig c = wanted.get();
    if (config != null && ConfigDiff.same(config, c)) {
      return false;
    }
    boolean restart = config == null || !ConfigDiff.same(config.settings(), c.settings());
    if (limiter == null) {
      limiter = new ConcurrencyLimiter(pool, c.settings().maxLimit());
    }
    if (restart) {
      PoolShedder previous = config == null ? null : shedder;
      stop();
      shedder = new PoolShedder(limiter, c.settings(), previous, services.decisions().log(),
          services.decisions()::logLine);
      shedder.start(services.control());
      SheddingSettings s = c.settings();
      log.info("pool {}: load shedding on, concurrency limit {} ({}..{}), tolerance {} over a "
          + "{} ms window{}{}", pool, limiter.limit(), s.minLimit(), s.maxLimit(),
          s.tolerance(), s.interval().toMillis(), c.priorityHeader()
              .map(h -> ", class from header " + h).orElse(""),
          c.queueTimeout().isZero() ? "" : ", waiting up to " + c.queueTimeout().toMillis()
              + " ms for a place (" + c.queueSize() + " at most)");
    }
    config = c;
    shedding = new Shedding(limiter,
        c.priorityHeader().map(AsciiString::cached).orElse(null), c.routes(), line(c),
        c.queueTimeout().isZero() ? null : c.queueTimeout());
    return true;
  }

  /**
   * The pool's waiting line as {@code c} wants it: none without a queue timeout; the same line
   * while its size stays (requests waiting in it stay there across a reload); a new one when the
   * size changed (those in the old one are still granted by its releases, or time out).
   */
  private WaitingLine line(SheddingConfig c) {
    if (c.queueTimeout().isZero()) {
      line = null;
    } else if (line == null || line.capacity() != c.queueSize()) {
      line = new WaitingLine(limiter, c.queueSize());
    }
    return line;
  }

  /** What the pool's routes carry to the proxy; null when the pool sheds nothing. */
  Shedding shedding() {
    return shedding;
  }

  /** The pool's limiter while shedding is on, for metrics and the admin view; else null. */
  ConcurrencyLimiter limiter() {
    Shedding s = shedding;
    return s == null ? null : s.limiter();
  }

  /** What the pool's shedding is doing now, for the admin view; null while it is off. */
  SheddingState state() {
    Shedding s = shedding;
    return s == null ? null
        : SheddingState.of(s.limiter(), shedder, s.line(), config.queueTimeout());
  }

  private void stop() {
    if (shedder != null) {
      shedder.stop();
      shedder = null;
    }
  }

  void close() {
    stop();
    shedding = null;
  }
}
