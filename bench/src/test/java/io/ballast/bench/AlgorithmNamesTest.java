package io.ballast.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.pick.Algorithm;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Param;

class AlgorithmNamesTest {
  @Test
  void everyAlgorithmOfTheBuildIsBenchmarked() throws Exception {
    List<String> params = List.of(
        PoolBenchmark.class.getField("algorithm").getAnnotation(Param.class).value());
    assertThat(params).containsExactlyElementsOf(AlgorithmNames.ALL);
    assertThat(params).containsAll(
        Arrays.stream(Algorithm.values()).map(Algorithm::configName).toList());
  }

  @Test
  void knownListIsWhatTheBuildHas() {
    assertThat(KnownAlgorithms.list().split(","))
        .containsExactly(Arrays.stream(Algorithm.values()).map(Algorithm::configName)
            .toArray(String[]::new));
  }

  @Test
  void unknownNameIsRefusedWithTheKnownNames() {
    assertThatThrownBy(() -> AlgorithmNames.resolve("no-such-algorithm"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("algorithm: no-such-algorithm (expected one this build knows: ")
        .hasMessageContaining(Algorithm.configNames());
  }

  @Test
  void weightsParamIsValidated() {
    assertThatThrownBy(() -> Pools.backends(3, "heavy"))
        .hasMessage("weights: heavy (expected: mixed or uniform)");
    assertThat(Pools.backends(5, Pools.MIXED)).extracting(b -> b.weight())
        .containsExactly(1, 2, 3, 4, 1);
  }
}
