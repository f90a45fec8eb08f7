package io.ballast.bench.circuit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Runs the benchmark's setup and many calls outside JMH: every breaker must stay closed. */
class CircuitBreakerBenchmarkTest {

  @ParameterizedTest
  @CsvSource({
    "ballast, COUNT", "ballast, TIME",
    "ballast-caller-time, COUNT", "ballast-caller-time, TIME",
    "resilience4j, COUNT", "resilience4j, TIME",
    "resilience4j-lock-free, COUNT", "resilience4j-lock-free, TIME"
  })
  void everyCallIsPermittedAtOneFailureInSixteen(String impl, String window) {
    CircuitBreakerBenchmark bench = new CircuitBreakerBenchmark();
    bench.impl = impl;
    bench.window = window;
    bench.setUp();
    CircuitBreakerBenchmark.Calls calls = new CircuitBreakerBenchmark.Calls();
    for (int i = 0; i < 10_000; i++) {
      assertThat(bench.acquireAndReport(calls)).isTrue();
    }
  }

  @Test
  void anUnknownImplementationIsRefused() {
    CircuitBreakerBenchmark bench = new CircuitBreakerBenchmark();
    bench.impl = "hystrix";
    bench.window = "COUNT";
    assertThatThrownBy(bench::setUp).hasMessageStartingWith("impl: hystrix (expected: ");
  }
}
