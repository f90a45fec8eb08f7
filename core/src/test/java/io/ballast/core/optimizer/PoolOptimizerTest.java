package io.ballast.core.optimizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.Backend;
import io.ballast.core.signal.SignalSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PoolOptimizerTest {
  private static final WeightControlSettings DEFAULTS = WeightControlSettings.DEFAULTS;

  private static double spread(double[] u) {
    double min = Arrays.stream(u).min().orElseThrow();
    double max = Arrays.stream(u).max().orElseThrow();
    double mean = Arrays.stream(u).average().orElseThrow();
    return (max - min) / mean;
  }

  @Test
  void aPoolOfUnequalCapacityConvergesToEqualUtilizationWithoutOscillating() {
    ModelPool pool = new ModelPool(700, DEFAULTS, 200, 400, 800);
    List<int[]> history = new ArrayList<>();
    pool.second();
    assertThat(spread(pool.utilization)).isGreaterThan(1.2);
    for (int t = 0; t < 40; t++) {
      pool.second();
      history.add(pool.percents());
    }

    // Equal utilization within the deadband's reach (each within 5% of the mean, so 10% apart).
    assertThat(spread(pool.utilization)).isLessThan(0.12);
    // Settled: the last 15 seconds changed nothing.
    for (int t = history.size() - 15; t < history.size(); t++) {
      assertThat(history.get(t)).containsExactly(history.get(history.size() - 1));
    }
    // Without oscillating: the path each weight travels is at most 10 points longer than the
    // straight way from 100 to where it settles (one small overshoot at most).
    int[] last = history.get(history.size() - 1);
    for (int i = 0; i < 3; i++) {
      int travelled = 0;
      int previous = 100;
      for (int[] p : history) {
        travelled += Math.abs(p[i] - previous);
        previous = p[i];
      }
      assertThat(travelled).as("path of b" + (i + 1)).isLessThanOrEqualTo(Math.abs(last[i] - 100) + 10);
    }
    // The weights end in proportion to the capacities.
    assertThat((double) last[2] / last[0]).isBetween(3.4, 4.6);

  }
}
