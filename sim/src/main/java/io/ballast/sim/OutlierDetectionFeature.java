package io.ballast.sim;

import io.ballast.core.Backend;
import io.ballast.core.outlier.EjectionKind;
import io.ballast.core.outlier.OutlierDetector;
import io.ballast.core.outlier.OutlierSettings;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * {@code outlier_detection}: core's {@link OutlierDetector} on the variant's pool, wired as the
 * server wires it (ejections and returns go to the load balancer, every backend reports its
 * outcomes to its tracker), ticking on the virtual scheduler.
 *
 * <p>Settings (all optional, core's defaults otherwise): {@code interval},
 * {@code base_ejection_time}, {@code max_ejection_time}, {@code max_ejection_percent},
 * {@code consecutive_5xx} and {@code consecutive_gateway_failure} (0 switches the rule off),
 * {@code success_rate} and {@code failure_percentage} (booleans). Stateless.
 */
public final class OutlierDetectionFeature implements VariantFeature {
  public static final String KEY = "outlier_detection";
  private static final Set<String> KNOWN = Set.of("interval", "base_ejection_time",
      "max_ejection_time", "max_ejection_percent", "consecutive_5xx",
      "consecutive_gateway_failure", "success_rate", "failure_percentage");

  @Override
  public void validate(Map<String, Object> settings) {
    settings(settings);
  }

  static OutlierSettings settings(Map<String, Object> raw) {
    FeatureSettings s = new FeatureSettings(raw, KNOWN);
    OutlierSettings d = OutlierSettings.DEFAULTS;
    Duration interval = s.duration("interval", d.interval());
    Duration base = s.duration("base_ejection_time", d.baseEjectionTime());
    Duration max = s.duration("max_ejection_time",
        base.compareTo(d.maxEjectionTime()) > 0 ? base : d.maxEjectionTime());
    int c5xx = s.integer("consecutive_5xx", d.consecutive5xx().threshold());
    int gateway = s.integer("consecutive_gateway_failure",
        d.consecutiveGatewayFailure().threshold());
    OutlierSettings.SuccessRate sr = s.bool("success_rate", d.successRate().enabled())
        ? d.successRate() : OutlierSettings.SuccessRate.OFF;
    OutlierSettings.FailurePercentage fp =
        s.bool("failure_percentage", d.failurePercentage().enabled())
            ? d.failurePercentage() : OutlierSettings.FailurePercentage.OFF;
    return d.withInterval(interval)
        .withEjectionTimes(base, max)
        .withMaxEjectionPercent(s.integer("max_ejection_percent", d.maxEjectionPercent()))
        .withConsecutive5xx(consecutive("consecutive_5xx", c5xx))
        .withConsecutiveGatewayFailure(consecutive("consecutive_gateway_failure", gateway))
        .withSuccessRate(sr)
        .withFailurePercentage(fp);
  }

  private static OutlierSettings.Consecutive consecutive(String field, int threshold) {
    if (threshold < 0) {
      throw new IllegalArgumentException(field + ": " + threshold + " (expected: >= 0, 0 = off)");
    }
    return threshold == 0 ? OutlierSettings.Consecutive.OFF
        : new OutlierSettings.Consecutive(true, threshold);
  }

  @Override
  public void attach(SimPool pool, Map<String, Object> raw) {
    var lb = pool.loadBalancer();
    OutlierDetector detector = new OutlierDetector(lb.backends(), settings(raw), pool.scheduler(),
        lb::inService, new OutlierDetector.Listener() {
          @Override
          public void onEject(Backend backend, EjectionKind kind, String reason,
              Duration duration) {
            lb.setEjected(backend, true, "ejected for " + duration.toMillis() + " ms: " + reason);
          }

          @Override
          public void onReturn(Backend backend) {
            lb.setEjected(backend, false, "ejection time over");
          }
        });
    for (Backend b : lb.backends()) {
      b.useOutcomeListener(detector.tracker(b));
    }
    detector.start();
    pool.onClose(detector::close);
  }
}
