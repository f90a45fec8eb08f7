package io.ballast.server.optimizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.Backend;
import io.ballast.core.ControlLoop;
import io.ballast.core.Rng;
import io.ballast.core.decision.Decision;
import io.ballast.core.decision.DecisionLog;
import io.ballast.core.optimizer.PoolOptimizer;
import io.ballast.core.optimizer.WeightControlSettings;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pool's state changes reach the decision log, and a returning backend's warm-up its optimizer. */
class DecisionRecorderTest {
  private final ControlLoop control = new ControlLoop("test-control", Throwable::printStackTrace);

  @AfterEach
  void stop() {
    control.close();
  }

  @Test
  void healthChangesAreRecordedAndAReturningBackendWarmsUpByFeedback() {
    DecisionRecorder recorder = new DecisionRecorder(new DecisionLog());
    Backend a = new Backend("a", "127.0.0.1", 9001, 1);
    Backend b = new Backend("b", "127.0.0.1", 9002, 1);
    LoadBalancer pool = new LoadBalancer("api", List.of(a, b), Algorithm.WEIGHTED_ROUND_ROBIN,
        new HealthSettings(1, 1, true, Duration.ofSeconds(1)), control,
        Rng.THREAD_LOCAL, recorder);
    PoolOptimizer optimizer = new PoolOptimizer(pool, WeightControlSettings.builder()
        .warmup(WeightControlSettings.Warmup.DEFAULT).build(), recorder.log());
    recorder.register(optimizer);
    optimizer.start(control);
    pool.reportCheck(b, false, "status 503");
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.effectiveWeight(b) == 0);
    pool.reportCheck(b, true, "status 200");
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.weightPercent(b) == 10);
    assertThat(recorder.log().snapshot()).extracting(Decision::message).startsWith(
        "b health healthy → unhealthy: check failed: status 503 (UNHEALTHY (rise 0/1, fall 1/1))",
        "b health unhealthy → healthy: check passed: status 200 (HEALTHY (rise 1/1, fall 0/1))",
        "b warmup 100 → 10: back in service, starts at 10% and grows 10 points per interval"
            + " toward 100% while in line with the pool");
    optimizer.stop();
  }
}
