package io.ballast.sim;

import io.ballast.core.shed.ConcurrencyLimiter;
import io.ballast.core.shed.PoolShedder;
import io.ballast.core.shed.SheddingSettings;
import io.ballast.core.shed.WaitingLine;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * {@code shedding}: core's adaptive load shedding on the variant's pool, as the server wires it:
 * a {@link ConcurrencyLimiter} that every arriving request must pass (by its class, drawn from
 * the clients' {@code priorities}), and a {@link PoolShedder} that moves the limit on the virtual
 * control loop. A refused request is answered 503 at once and never reaches the balancer.
 *
 * <p>Settings (all optional, core's defaults otherwise): {@code min_limit}, {@code max_limit},
 * {@code tolerance}, {@code interval}, {@code min_samples}; {@code queue_timeout} (a duration, 0
 * or absent: refused at once) lets a request that meets the limit wait that long in a
 * {@link WaitingLine} of {@code queue_size} (default {@value #QUEUE_SIZE}) for a place.
 * Stateless.
 */
public final class SheddingFeature implements VariantFeature {
  public static final String KEY = "shedding";
  static final int QUEUE_SIZE = 1000;
  private static final Set<String> KNOWN =
      Set.of("min_limit", "max_limit", "tolerance", "interval", "min_samples", "queue_timeout",
          "queue_size");

  @Override
  public void validate(Map<String, Object> settings) {
    settings(settings);
  }

  static SheddingSettings settings(Map<String, Object> raw) {
    FeatureSettings s = new FeatureSettings(raw, KNOWN);
    SheddingSettings d = SheddingSettings.DEFAULTS;
    return new SheddingSettings(s.integer("min_limit", d.minLimit()),
        s.integer("max_limit", d.maxLimit()), s.number("tolerance", d.tolerance()),
        s.duration("interval", d.interval()), s.integer("min_samples", d.minSamples()));
  }

  @Override
  public void attach(SimPool pool, Map<String, Object> raw) {
    SheddingSettings settings = settings(raw);
    ConcurrencyLimiter limiter =
        new ConcurrencyLimiter(pool.variant().name(), settings.maxLimit());
    PoolShedder shedder =
        new PoolShedder(limiter, settings, null, pool.decisions(), d -> {});
    FeatureSettings s = new FeatureSettings(raw, KNOWN);
    Duration wait = s.duration("queue_timeout", Duration.ZERO);
    if (wait.isZero()) {
      pool.useAdmission(limiter);
    } else {
      pool.useAdmission(
          limiter, new WaitingLine(limiter, s.integer("queue_size", QUEUE_SIZE)), wait);
    }
    shedder.start(pool.scheduler());
    pool.onClose(shedder::stop);
  }
}
