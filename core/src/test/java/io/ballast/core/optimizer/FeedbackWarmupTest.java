package io.ballast.core.optimizer;

import static io.ballast.core.optimizer.OptimizerFixtures.backend;
import static io.ballast.core.optimizer.OptimizerFixtures.thin;
import static io.ballast.core.optimizer.OptimizerFixtures.traffic;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.Backend;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeedbackWarmupTest {
  private static final WeightControlSettings SETTINGS = WeightControlSettings.DEFAULTS.toBuilder()
      .warmup(new WeightControlSettings.Warmup(10, 10, 1.5, 0.01)).build();
  private final Backend a = backend("a");
  private final Backend b = backend("b");
  private final Backend w = backend("w");
  /** The rest of the pool: p99 80 ms, no errors. */
  private final PoolSignals pool = PoolSignals.of(SETTINGS,
      List.of(traffic(a, 0, 80, 40), traffic(b, 0, 80, 40)), x -> 1.0);
  private final FeedbackWarmup warmup = new FeedbackWarmup(SETTINGS);

  private static ControlState warming(double percent, double output) {
    ControlState st = new ControlState();
    st.warming = true;
    st.warmPercent = percent;
    st.published = (int) percent;
    st.output = output;
    return st;
  }

  @Test
  void workedExample() {
    ControlState st = warming(10, 40);
    FeedbackWarmup.Outcome o = warmup.step(traffic(w, 0, 100, 40), st, pool);
    assertThat(st.warmPercent).isEqualTo(20);
    assertThat(o).isEqualTo(new FeedbackWarmup.Outcome(
        "in line with the pool: p99 100 ms vs pool 80 ms, errors 0.0% vs pool 0.0%", null));

    st.published = 20;
    o = warmup.step(traffic(w, 0, 160, 40), st, pool);
    assertThat(st.warmPercent).isEqualTo(20);
    assertThat(st.paused).isTrue();
    assertThat(o).isEqualTo(new FeedbackWarmup.Outcome("paused", "paused at 20%: p99 160 ms vs"
        + " pool 80 ms, errors 0.0% vs pool 0.0% (tolerance 1.5× p99, +1.0% errors)"));
    // Said once.
    assertThat(warmup.step(traffic(w, 0, 160, 40), st, pool))
        .isEqualTo(new FeedbackWarmup.Outcome("paused", null));

    o = warmup.step(traffic(w, 0, 400, 40), st, pool);
    assertThat(st.warmPercent).isEqualTo(10);
    assertThat(st.paused).isFalse();
    assertThat(o.reason()).startsWith("clearly worse than the pool, backing off: p99 400 ms");

    st.warmPercent = 30;
    o = warmup.step(traffic(w, 0, 80, 40), st, pool);
    assertThat(st.warmPercent).isEqualTo(40);
    assertThat(st.warming).isFalse();
    assertThat(st.integral).isEqualTo(-Math.log(0.4) / SETTINGS.ki());
    assertThat(o.reason()).startsWith("warm-up done, in line with the pool: ");
  }

  @Test
  void errorsBeyondTheToleranceHoldIt() {
    ControlState st = warming(10, 100);
    // 2% errors against none: above +1 point, not above +2 points.
    FeedbackWarmup.Outcome o = warmup.step(traffic(w, 2, 80, 40), st, pool);
    assertThat(st.warmPercent).isEqualTo(10);
    assertThat(o.paused()).isNotNull();
    // 3%: clearly worse.
    warmup.step(traffic(w, 3, 80, 40), st, pool);
    assertThat(st.warmPercent).isEqualTo(5);
  }

  @Test
  void withTooFewRequestsItGrowsWhileNoneFails() {
    ControlState st = warming(10, 100);
    assertThat(warmup.step(thin(w, 5, 0), st, pool).reason())
        .isEqualTo("in line with the pool: 5 requests, 0 failed");
    assertThat(st.warmPercent).isEqualTo(20);
    warmup.step(thin(w, 5, 1), st, pool);
    assertThat(st.warmPercent).isEqualTo(20);
    assertThat(st.paused).isTrue();
  }

  @Test
  void neverBelowOnePercent() {
    ControlState st = warming(1, 100);
    warmup.step(traffic(w, 0, 800, 40), st, pool);
    assertThat(st.warmPercent).isEqualTo(1);
  }
}
