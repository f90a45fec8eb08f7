package io.ballast.server.config;

import static io.ballast.server.config.ConfigLoaderTest.errors;
import static io.ballast.server.config.ConfigLoaderTest.valid;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.pick.Algorithm;
import io.ballast.core.pick.AlgorithmOptions;
import io.ballast.proxy.client.HashKey;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Algorithm tunables and hash keys in the pool section: parsed, defaulted, and refused with lines. */
class AlgorithmConfigTest {
  private static final String BASE = ConfigLoaderTest.BASE;

  private static PoolConfig pool(String extra) {
    return valid(BASE + extra).config().pools().get(0);
  }

  @Test
  void tunablesOfTheChosenAlgorithmAreRead() {
    PoolConfig p = pool("""
            algorithm: least-request
            least_request:
              choices: 3
              active_request_bias: 0.5
        """);
    assertThat(p.algorithm()).isEqualTo(Algorithm.byConfigName("least-request").orElseThrow());
    assertThat(p.options().choices()).isEqualTo(3);
    assertThat(p.options().activeRequestBias()).isEqualTo(0.5);
    assertThat(p.options().ringSize()).isEqualTo(AlgorithmOptions.DEFAULTS.ringSize());

    PoolConfig ewma = pool("""
            algorithm: peak-ewma
            peak_ewma:
              decay: 5s
              choices: 3
        """);
    assertThat(ewma.options().ewmaDecay()).isEqualTo(Duration.ofSeconds(5));
    assertThat(ewma.options().choices()).isEqualTo(3);

    PoolConfig composite = pool("""
            algorithm: least-connections-response-time
            least_connections_response_time:
              connection_weight: 2
              response_time_weight: 0.25
              capacity: 50
        """);
    assertThat(composite.options().connectionWeight()).isEqualTo(2.0);
    assertThat(composite.options().responseTimeWeight()).isEqualTo(0.25);
    assertThat(composite.options().capacity()).isEqualTo(50);
  }

  @Test
  void aBlockForAnotherAlgorithmIsAnErrorAtItsLine() {
    assertThat(errors(BASE + """
            algorithm: round-robin
            maglev:
              table_size: 65537
        """)).containsExactly("test.yaml:10:5: pools[0].maglev: options for maglev, but the pool's"
        + " algorithm is round-robin (expected: only the round_robin block, or none)");
  }

  @Test
  void hashAlgorithmsDefaultToTheClientIpAndReadTheirKey() {
    PoolConfig byDefault = pool("    algorithm: maglev\n");
    assertThat(byDefault.hashKey()).contains(HashKey.CLIENT_IP);
    assertThat(byDefault.options().maglevTableSize()).isEqualTo(65537);

    assertThat(pool("""
            algorithm: ring-hash
            ring_hash:
              ring_size: 4096
            hash_key:
              source: header
              name: X-User-Id
        """).hashKey()).contains(new HashKey.Header("X-User-Id"));
    assertThat(pool("""
            algorithm: bounded-load-hash
            bounded_load_hash:
              epsilon: 0.5
            hash_key:
              source: client-ip
              ipv4_prefix: 24
              ipv6_prefix: 64
        """).hashKey()).contains(new HashKey.ClientIp(24, 64));
    assertThat(pool("""
            algorithm: maglev
            hash_key:
              source: cookie
              name: session
        """).hashKey()).contains(new HashKey.Cookie("session"));
    assertThat(pool("""
            algorithm: maglev
            hash_key:
              source: path
        """).hashKey()).contains(new HashKey.Path());
  }

  @Test
  void hashKeyMistakesAreErrorsWithLines() {
    assertThat(errors(BASE + """
            algorithm: least-connections
            hash_key:
              source: header
              name: X-User
        """)).singleElement().asString()
        .startsWith("test.yaml:10:5: pools[0].hash_key: set, but algorithm least-connections does not hash");
    assertThat(errors(BASE + """
            algorithm: maglev
            hash_key:
              source: header
        """)).containsExactly(
        "test.yaml:11:7: pools[0].hash_key.name: required field is missing (expected: a header name)");
    assertThat(errors(BASE + """
            algorithm: maglev
            hash_key:
              source: path
              name: x
              ipv4_prefix: 24
        """)).containsExactly(
        "test.yaml:12:7: pools[0].hash_key.name: set, but source path takes no name (expected: only with header, cookie or query)",
        "test.yaml:13:7: pools[0].hash_key.ipv4_prefix: set, but source is path (expected: only with source client-ip)");
    assertThat(errors(BASE + """
            algorithm: maglev
            hash_key:
              source: body
        """)).containsExactly(
        "test.yaml:11:15: pools[0].hash_key.source: 'body' (expected: one of client-ip, header, cookie, query, path)");
  }

  @Test
  void outOfRangeTunablesAreErrorsWithLines() {
    assertThat(errors(BASE + """
            algorithm: maglev
            maglev:
              table_size: 65536
        """)).containsExactly("test.yaml:11:19: pools[0].maglev.table_size: 65536 (expected: a prime,"
        + " such as 65537 or 655373, as the Maglev paper requires)");
    assertThat(errors(BASE + """
            algorithm: least-request
            least_request:
              choices: 1
              active_request_bias: -1
        """)).containsExactly(
        "test.yaml:11:16: pools[0].least_request.choices: 1 (expected: 2..64)",
        "test.yaml:12:28: pools[0].least_request.active_request_bias: -1 (expected: 0..10)");
    assertThat(errors(BASE + """
            algorithm: bounded-load-hash
            bounded_load_hash:
              epsilon: 0
        """)).containsExactly(
        "test.yaml:11:16: pools[0].bounded_load_hash.epsilon: 0 (expected: 0.01..10)");
  }

  @Test
  void outlierDetectionPanicAndSlowStartAreReadAndChecked() {
    PoolConfig p = pool("""
            panic_threshold: 30
            slow_start: 20s
            outlier_detection:
              consecutive_5xx: 0
              consecutive_gateway_failure: 4
              base_ejection_time: 10s
        """);
    assertThat(p.panicThreshold()).isEqualTo(30);
    assertThat(p.slowStart()).isEqualTo(Duration.ofSeconds(20));
    var o = p.outlierDetection().orElseThrow();
    assertThat(o.consecutive5xx().enabled()).isFalse();
    assertThat(o.consecutiveGatewayFailure().threshold()).isEqualTo(4);
    assertThat(o.baseEjectionTime()).isEqualTo(Duration.ofSeconds(10));
    assertThat(pool("").outlierDetection()).isEmpty();
    assertThat(pool("").panicThreshold()).isEqualTo(50);

    assertThat(errors(BASE + """
            panic_threshold: 101
            outlier_detection:
              base_ejection_time: 60s
              max_ejection_time: 10s
              max_ejection_percent: 0
        """)).containsExactly(
        "test.yaml:9:22: pools[0].panic_threshold: 101 (expected: 0..100)",
        "test.yaml:12:26: pools[0].outlier_detection.max_ejection_time: 10s (expected: >= base_ejection_time 1m)",
        "test.yaml:13:29: pools[0].outlier_detection.max_ejection_percent: 0 (expected: 1..100)");
  }

  @Test
  void tcpHealthChecksTakeNoPath() {
    var check = pool("""
            health_check:
              type: tcp
              interval: 1s
        """).healthChecks().orElseThrow().levels().get(0).check();
    assertThat(check.tcp()).isTrue();
    assertThat(pool("""
            health_check:
              path: /health
        """).healthChecks().orElseThrow().levels().get(0).check().tcp()).isFalse();
    assertThat(errors(BASE + """
            health_check:
              type: tcp
              path: /health
        """)).containsExactly(
        "test.yaml:11:7: pools[0].health_check.path: set, but type is tcp (expected: only with type http)");
  }
}
