package io.ballast.core.split;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TrafficSplitTest {
  private static Map<String, Double> weights(Object... pairs) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put((String) pairs[i], ((Number) pairs[i + 1]).doubleValue());
    }
    return m;
  }

  @Test
  void drawsFollowTheWeightsExactlyOverTheBuckets() {
    TrafficSplit split = new TrafficSplit("api", weights("stable", 95, "canary", 5));
    int canary = 0;
    for (int b = 0; b < TrafficSplit.BUCKETS; b++) {
      canary += split.pickByDraw(b);
    }
    assertThat(canary).isEqualTo(500);
    assertThat(split.pickByDraw(9499)).isZero();
    assertThat(split.pickByDraw(9500)).isEqualTo(1);
  }

  @Test
  void userKeysSpreadByWeightAndStayInTheirGroup() {
    TrafficSplit split = new TrafficSplit("ab", weights("a", 70, "b", 30));
    SplittableRandom rnd = new SplittableRandom(42);
    long[] users = new long[20_000];
    int b = 0;
    for (int i = 0; i < users.length; i++) {
      users[i] = rnd.nextLong();
      b += split.pickByKey(users[i]);
    }
    // 30 % of 20 000 = 6000, sd ~65: 4 sd either side.
    assertThat(b).isBetween(5740, 6260);
    for (long u : users) {
      assertThat(split.pickByKey(u)).isEqualTo(split.pickByKey(u));
    }
  }

  @Test
  void growingTheLastGroupOnlyAddsUsersToIt() {
    TrafficSplit split = new TrafficSplit("api", weights("stable", 95, "canary", 5));
    SplittableRandom rnd = new SplittableRandom(7);
    long[] users = new long[5000];
    int[] before = new int[users.length];
    for (int i = 0; i < users.length; i++) {
      users[i] = rnd.nextLong();
      before[i] = split.pickByKey(users[i]);
    }
    split.setWeights(weights("stable", 80, "canary", 20));
    int moved = 0;
    for (int i = 0; i < users.length; i++) {
      int now = split.pickByKey(users[i]);
      if (before[i] == 1) {
        assertThat(now).as("a canary user stays in the canary").isEqualTo(1);
      }
      moved += before[i] != now ? 1 : 0;
    }
    // About 15 % of users move, all of them from stable to canary.
    assertThat(moved).isBetween(600, 900);
  }

  @Test
  void blueGreenSwitchesEverythingAtOnceAndBack() {
    TrafficSplit split = new TrafficSplit("app", weights("blue", 100, "green", 0));
    assertThat(split.pickByDraw(9999)).isZero();
    TrafficSplit.Weights before = split.activate("green");
    assertThat(before.active()).containsExactly("blue");
    for (int b = 0; b < TrafficSplit.BUCKETS; b += 97) {
      assertThat(split.pickByDraw(b)).isEqualTo(1);
    }
    split.activate("blue");
    assertThat(split.weights().active()).containsExactly("blue");
    assertThat(split.weights().toString()).isEqualTo("blue 100% / green 0%");
  }

  @Test
  void weightsMustAddUpToAHundredWithTwoDecimalsAtMost() {
    assertThatThrownBy(() -> new TrafficSplit("api", weights("a", 90, "b", 5)))
        .hasMessage("weights of split api add up to 95 (expected: 100)");
    assertThatThrownBy(() -> new TrafficSplit("api", weights("a", 99.995, "b", 0.005)))
        .hasMessageContaining("(expected: at most two decimals)");
    assertThatThrownBy(() -> new TrafficSplit("api", weights("a", 100)))
        .hasMessageContaining("(expected: at least 2)");
    TrafficSplit split = new TrafficSplit("api", weights("a", 99.5, "b", 0.5));
    assertThatThrownBy(() -> split.setWeights(weights("a", 50, "c", 50)))
        .hasMessage("group 'c' (expected one of: a, b)");
    assertThatThrownBy(() -> split.setWeights(weights("a", 100)))
        .hasMessageContaining("group 'b': no weight");
    assertThat(split.weights().percents()).containsExactly(Map.entry("a", 99.5), Map.entry("b", 0.5));
  }
}
