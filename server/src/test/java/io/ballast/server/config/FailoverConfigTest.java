package io.ballast.server.config;

import static io.ballast.server.config.ConfigLoaderTest.BASE;
import static io.ballast.server.config.ConfigLoaderTest.errors;
import static io.ballast.server.config.ConfigLoaderTest.valid;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.circuit.CircuitBreakerSettings;
import io.ballast.core.circuit.WindowType;
import io.ballast.core.retry.RetryBudgetSettings;
import io.ballast.core.retry.RetrySettings;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The retries and circuit_breaker blocks of a pool: values, defaults and every bad input. */
class FailoverConfigTest {

  private static PoolConfig pool(String block) {
    return valid(BASE + block).config().pools().get(0);
  }

  @Test
  void retriesAreOnByDefaultAndEveryKeyIsRead() {
    assertThat(pool("").retries()).isEqualTo(RetrySettings.DEFAULTS);
    RetrySettings r = pool("""
            retries:
              max_attempts: 5
              per_try_timeout: 750ms
              overall_timeout: 20s
              on_status: [502, 503, 504, 429]
              methods: [POST, PATCH]
              max_buffered_body: 1MiB
              budget:
                enabled: true
                percent: 12.5
                min_per_second: 0
                window: 30s
        """).retries();
    assertThat(r).isEqualTo(new RetrySettings(5, Duration.ofMillis(750), Duration.ofSeconds(20),
        Set.of(429, 502, 503, 504), Set.of("POST", "PATCH"), 1 << 20,
        new RetryBudgetSettings(true, 12.5, 0, Duration.ofSeconds(30))));
    RetrySettings off = pool("""
            retries:
              max_attempts: 1
              overall_timeout: off
              budget:
                enabled: false
        """).retries();
    assertThat(off.maxAttempts()).isEqualTo(1);
    assertThat(off.overallTimeout()).isZero();
    assertThat(off.budget().enabled()).isFalse();
  }

  @Test
  void badRetrySettingsNameTheFieldAndLine() {
    assertThat(errors(BASE + """
            retries:
              max_attempts: 0
              per_try_timeout: -1s
              on_status: [200]
              methods: ["GET /"]
              max_buffered_body: 2GiB
              budget:
                percent: 150
                window: 500ms
              retry_on: [reset]
        """)).containsExactly(
        "test.yaml:10:21: pools[0].retries.max_attempts: 0 (expected: 1..10)",
        "test.yaml:11:24: pools[0].retries.per_try_timeout: '-1s' is not a duration (expected: a"
            + " duration such as \"250ms\", \"2s\", \"1m\", \"1h\", or an integer of milliseconds)",
        "test.yaml:12:19: pools[0].retries.on_status[0]: 200 (expected: 400..599)",
        "test.yaml:13:17: pools[0].retries.methods[0]: 'GET /' (expected: an HTTP method such as"
            + " POST (letters, digits and !#$%&'*+.^_`|~-))",
        "test.yaml:14:26: pools[0].retries.max_buffered_body: '2GiB' = 2147483648 bytes"
            + " (expected: 0..1073741824 bytes)",
        "test.yaml:16:18: pools[0].retries.budget.percent: 150 (expected: 0..100)",
        "test.yaml:17:17: pools[0].retries.budget.window: 500ms (expected: 1s..1h)",
        "test.yaml:18:7: pools[0].retries.retry_on: unknown field 'retry_on' (expected one of:"
            + " max_attempts, per_try_timeout, overall_timeout, on_status, methods,"
            + " max_buffered_body, budget)");
  }

  @Test
  void aPerTryTimeoutLongerThanTheOverallOneIsAContradiction() {
    assertThat(errors(BASE + """
            retries:
              per_try_timeout: 40s
              overall_timeout: 30s
        """)).containsExactly("test.yaml:10:24: pools[0].retries.per_try_timeout: 40s"
        + " (expected: <= overall_timeout 30s)");
  }

  @Test
  void theOldConnectAttemptsKeyNamesItsReplacement() {
    assertThat(errors(BASE + "    max_connect_attempts: 3\n")).containsExactly(
        "test.yaml:9:5: pools[0].max_connect_attempts: no longer read: replaced by"
            + " retries.max_attempts, which also covers failures after connecting"
            + " (expected: retries: {max_attempts: N})");
  }

  @Test
  void circuitBreakersAreOffByDefaultAndEveryKeyIsRead() {
    assertThat(pool("").circuitBreaker()).isEmpty();
    assertThat(pool("    circuit_breaker: {}\n").circuitBreaker())
        .hasValue(CircuitBreakerSettings.DEFAULTS);
    assertThat(pool("""
            circuit_breaker:
              window_type: time
              window_size: 30
              minimum_calls: 50
              failure_rate_threshold: 25.5
              slow_call_duration: 800ms
              slow_call_rate_threshold: 60
              wait_in_open: 5s
              permitted_calls_in_half_open: 4
              max_concurrent_requests: 200
        """).circuitBreaker()).hasValue(new CircuitBreakerSettings(WindowType.TIME, 30, 50,
        25.5, Duration.ofMillis(800), 60, Duration.ofSeconds(5), 4, 200));
  }

  @Test
  void badCircuitSettingsNameTheFieldAndLine() {
    assertThat(errors(BASE + """
            circuit_breaker:
              window_type: sliding
              failure_rate_threshold: 0
              slow_call_rate_threshold: 101
              wait_in_open: 0
              max_concurrent_requests: -1
        """)).containsExactly(
        "test.yaml:10:20: pools[0].circuit_breaker.window_type: 'sliding' (expected: count or"
            + " time)",
        "test.yaml:11:31: pools[0].circuit_breaker.failure_rate_threshold: 0 (expected:"
            + " 0.01..100)",
        "test.yaml:12:33: pools[0].circuit_breaker.slow_call_rate_threshold: 101 (expected:"
            + " 0.01..100)",
        "test.yaml:13:21: pools[0].circuit_breaker.wait_in_open: 0 (expected: a duration > 0)",
        "test.yaml:14:32: pools[0].circuit_breaker.max_concurrent_requests: -1 (expected:"
            + " 0..1000000)");
    // A count window smaller than the minimum number of calls could never judge.
    assertThat(errors(BASE + """
            circuit_breaker:
              window_size: 10
              minimum_calls: 20
        """)).containsExactly("test.yaml:11:22: pools[0].circuit_breaker.minimum_calls: 20"
        + " (expected: <= window_size 10: a count window never holds more calls)");
  }
}
