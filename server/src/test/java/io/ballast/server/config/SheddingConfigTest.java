package io.ballast.server.config;

import static io.ballast.server.config.ConfigLoaderTest.BASE;
import static io.ballast.server.config.ConfigLoaderTest.errors;
import static io.ballast.server.config.ConfigLoaderTest.valid;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.shed.Priority;
import io.ballast.core.shed.SheddingSettings;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The shedding block of a pool: values, defaults, off, bad input with field and line. */
class SheddingConfigTest {
  private static PoolConfig pool(String block) {
    return valid(BASE + block).config().pools().get(0);
  }

  @Test
  void offUnlessConfiguredAndDefaultsWhenEmpty() {
    assertThat(pool("").shedding()).isEmpty();
    SheddingConfig c = pool("    shedding: {}\n").shedding().orElseThrow();
    assertThat(c.settings()).isEqualTo(SheddingSettings.DEFAULTS);
    assertThat(c.priorityHeader()).isEmpty();
    assertThat(c.routes()).isEmpty();
    assertThat(pool("    shedding: {enabled: false, min_limit: 5}\n").shedding()).isEmpty();
  }

  @Test
  void everyKeyIsRead() {
    SheddingConfig c = pool("""
            shedding:
              enabled: true
              min_limit: 4
              max_limit: 400
              tolerance: 2
              interval: 250ms
              min_samples: 50
              priority_header: X-Priority
              route_priorities: {checkout: critical, reports: sheddable}
              queue_timeout: 40ms
              queue_size: 200
        """).shedding().orElseThrow();
    assertThat(c.settings()).isEqualTo(
        new SheddingSettings(4, 400, 2.0, Duration.ofMillis(250), 50));
    assertThat(c.priorityHeader()).isEqualTo(Optional.of("X-Priority"));
    assertThat(c.routes()).isEqualTo(
        Map.of("checkout", Priority.CRITICAL, "reports", Priority.SHEDDABLE));
    assertThat(c.queueTimeout()).isEqualTo(Duration.ofMillis(40));
    assertThat(c.queueSize()).isEqualTo(200);
  }

  @Test
  void badSettingsNameTheFieldAndLine() {
    assertThat(errors(BASE + """
            shedding:
              min_limit: 0
              tolerance: 0.5
              interval: 5ms
              priority_header: "x priority"
              route_priorities: {checkout: urgent}
              queue_timeout: 2m
              queue_size: 0
              queue: {max: 10}
        """)).containsExactly(
        "test.yaml:10:18: pools[0].shedding.min_limit: 0 (expected: 1..2097151)",
        "test.yaml:11:18: pools[0].shedding.tolerance: 0.5 (expected: 1..10)",
        "test.yaml:12:17: pools[0].shedding.interval: 5ms (expected: 10ms to 1m)",
        "test.yaml:13:24: pools[0].shedding.priority_header: 'x priority' (expected: a header"
            + " name (letters, digits and !#$%&'*+.^_`|~-))",
        "test.yaml:14:36: pools[0].shedding.route_priorities.checkout: 'urgent' (expected:"
            + " critical, default or sheddable)",
        "test.yaml:15:22: pools[0].shedding.queue_timeout: 120000ms (expected: 0 (refuse at"
            + " once) to under 1m)",
        "test.yaml:16:19: pools[0].shedding.queue_size: 0 (expected: 1..1000000)",
        "test.yaml:17:7: pools[0].shedding.queue: unknown field 'queue' (expected one of:"
            + " enabled, min_limit, max_limit, tolerance, interval, min_samples, queue_timeout,"
            + " queue_size, priority_header, route_priorities)");
  }

  @Test
  void theMaximumMayNotBeBelowTheMinimum() {
    assertThat(errors(BASE + """
            shedding: {min_limit: 50, max_limit: 20}
        """)).containsExactly(
        "test.yaml:9:42: pools[0].shedding.max_limit: 20 (expected: >= min_limit 50)");
  }
}
