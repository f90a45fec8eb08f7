package io.ballast.server.pool;

import io.ballast.core.Backend;
import io.ballast.core.OutcomeListener;
import io.ballast.core.outlier.EjectionKind;
import io.ballast.core.outlier.OutlierDetector;
import io.ballast.core.outlier.OutlierSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.server.config.PoolConfig;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive health: every member's outcomes go to its outlier tracker, and the detector ejects the
 * ones that fail (members that join get a tracker before they take traffic). Stopped, it takes
 * every tracker away and lets every ejected backend back.
 */
final class OutlierDetectionPart implements PoolPart<OutlierSettings, OutlierDetectionPart.Started> {
  static final OutlierDetectionPart INSTANCE = new OutlierDetectionPart();
  private static final Logger log = LoggerFactory.getLogger(OutlierDetectionPart.class);

  private OutlierDetectionPart() {}

  /** A running detector. */
  record Started(LoadBalancer pool, OutlierDetector detector) implements Running {
    @Override
    public void close() {
      detector.close();
      for (Backend b : pool.backends()) {
        b.useOutcomeListener(OutcomeListener.NONE);
        if (pool.ejected(b)) {
          pool.setEjected(b, false, "outlier detection stopped");
        }
      }
    }
  }

  @Override
  public String name() {
    return "outlier detection";
  }

  @Override
  public Optional<OutlierSettings> settings(PoolConfig config) {
    return config.outlierDetection();
  }

  @Override
  public Started start(LoadBalancer pool, PoolConfig config, OutlierSettings settings,
      PoolServices services) {
    OutlierDetector detector = new OutlierDetector(pool.backends(), settings, services.control(),
        pool::inService, new OutlierDetector.Listener() {
          @Override
          public void onEject(Backend backend, EjectionKind kind, String reason,
              Duration duration) {
            pool.setEjected(backend, true,
                "ejected for " + duration.toMillis() + " ms: " + reason);
          }

          @Override
          public void onReturn(Backend backend) {
            pool.setEjected(backend, false, "ejection time over");
          }

          @Override
          public void onEjectionSkipped(Backend backend, EjectionKind kind, String reason) {
            log.warn("pool {} backend {}: not ejected ({}): {}", pool.name(), backend.name(),
                kind.label(), reason);
          }
        });
    for (Backend b : pool.backends()) {
      b.useOutcomeListener(detector.tracker(b));
    }
    detector.followMembers(pool);
    detector.start();
    log.info("pool {}: outlier detection every {} ms", pool.name(),
        settings.interval().toMillis());
    return new Started(pool, detector);
  }
}
