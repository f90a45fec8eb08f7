package io.ballast.server.config;

import static io.ballast.server.config.ConfigLoaderTest.BASE;
import static io.ballast.server.config.ConfigLoaderTest.errors;
import static io.ballast.server.config.ConfigLoaderTest.valid;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.health.HealthLevel;
import io.ballast.core.health.HealthPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code health_checks}: levels, thresholds, gRPC checks, and what contradicts itself. */
class HealthChecksConfigTest {

  private static HealthChecksConfig checks(String yaml) {
    return valid(BASE + yaml).config().pools().get(0).healthChecks().orElseThrow();
  }

  @Test
  void levelsWithTheirOwnProbesWeightsAndDamping() {
    HealthChecksConfig c = checks("""
            health_checks:
              degraded_below: 90%
              unhealthy_below: 40
              levels:
                - {name: l4, type: tcp, interval: 1s, timeout: 500ms, critical: true}
                - name: app
                  path: /health
                  method: HEAD
                  weight: 2
                  rise: 3
                  fall: 4
                - {name: deep, path: /deep, body_contains: "db ok", interval: 10s, timeout: 2s}
        """);
    assertThat(c.degradedBelow()).isEqualTo(90);
    assertThat(c.unhealthyBelow()).isEqualTo(40);
    assertThat(c.single()).isFalse();
    assertThat(c.policy()).isEqualTo(new HealthPolicy(List.of(
        new HealthLevel("l4", 1, true, 2, 3),
        new HealthLevel("app", 2, false, 3, 4),
        new HealthLevel("deep", 1, false, 2, 3)), 90, 40));
    HealthCheckConfig l4 = c.levels().get(0).check();
    assertThat(l4.tcp()).isTrue();
    assertThat(l4.timeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.levels().get(1).check().method()).isEqualTo("HEAD");
    HealthCheckConfig deep = c.levels().get(2).check();
    assertThat(deep.method()).isEqualTo("GET");
    assertThat(deep.bodyContains()).isEqualTo(Optional.of("db ok"));
    assertThat(deep.interval()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void thresholdsDefaultTo100And50AndTheSingleFormIsOneCriticalLevel() {
    HealthChecksConfig c = checks("""
            health_checks:
              levels:
                - {name: app, path: /health, critical: true}
        """);
    assertThat(c.degradedBelow()).isEqualTo(100);
    assertThat(c.unhealthyBelow()).isEqualTo(50);

    HealthChecksConfig single = checks("""
            health_check:
              path: /health
              method: OPTIONS
              body_contains: ok
              rise: 4
        """);
    assertThat(single.single()).isTrue();
    assertThat(single.policy()).isEqualTo(HealthPolicy.single(4, 3));
    assertThat(single.levels().get(0).check().method()).isEqualTo("OPTIONS");
    assertThat(single.levels().get(0).check().bodyContains()).contains("ok");
  }

  @Test
  void contradictionsAreErrorsWithTheirLine() {
    assertThat(errors(BASE + """
            health_checks:
              degraded_below: 40%
              unhealthy_below: 60%
              levels:
                - name: l4
                  type: tcp
                  rise: 0
                  interval: 1s
                  timeout: 2s
                  body_contains: ok
                - name: l4
                  path: /health
                  method: HEAD
                  body_contains: ok
                  weight: 0
                - name: x
                  path: /health
                  method: CONNECT
                  timeout: -1s
        """)).containsExactly(
        "test.yaml:11:24: pools[0].health_checks.unhealthy_below: 60% (expected: <= degraded_below 40%)",
        "test.yaml:15:17: pools[0].health_checks.levels[0].rise: 0 (expected: >= 1)",
        "test.yaml:17:20: pools[0].health_checks.levels[0].timeout: 2s (expected: <= interval 1s)",
        "test.yaml:18:11: pools[0].health_checks.levels[0].body_contains: set, but type is tcp"
            + " (expected: only with type http)",
        "test.yaml:19:17: pools[0].health_checks.levels[1].name: duplicate level name 'l4'"
            + " (first at 13:17; expected: unique level names)",
        "test.yaml:22:11: pools[0].health_checks.levels[1].body_contains: set, but method is HEAD,"
            + " whose answers have no body (expected: GET or another method with a body)",
        "test.yaml:23:19: pools[0].health_checks.levels[1].weight: 0 (expected: 1..1000)",
        "test.yaml:26:19: pools[0].health_checks.levels[2].method: 'CONNECT' (expected: a method"
            + " a health endpoint answers, such as GET, HEAD or OPTIONS)",
        "test.yaml:27:20: pools[0].health_checks.levels[2].timeout: '-1s' is not a duration"
            + " (expected: a duration such as \"250ms\", \"2s\", \"1m\", \"1h\", or an integer of"
            + " milliseconds)");
  }

  @Test
  void oneFormOrTheOtherAndThresholdsInRange() {
    assertThat(errors(BASE + """
            health_check:
              path: /health
            health_checks:
              levels:
                - {name: app, path: /health}
        """)).containsExactly("test.yaml:11:5: pools[0].health_checks: set together with health_check"
        + " at 9:5 (expected: one of them: health_check for one check, health_checks for levels)");
    assertThat(errors(BASE + """
            health_checks:
              degraded_below: 101%
              unhealthy_below: 0
              levels: []
        """)).containsExactly(
        "test.yaml:10:23: pools[0].health_checks.degraded_below: 101% (expected: 0..100%)",
        "test.yaml:12:15: pools[0].health_checks.levels: an empty list (expected: at least one level)");
    assertThat(errors(BASE + """
            health_checks:
              unhealthy_below: 0%
              levels:
                - {name: app, path: /health}
        """)).containsExactly("test.yaml:10:24: pools[0].health_checks.unhealthy_below: 0% with no"
        + " critical level (expected: > 0, or a level with critical: true; otherwise a backend"
        + " failing every check keeps serving)");
  }

  @Test
  void grpcChecksAskAboutAServiceOrTheWholeServer() {
    HealthCheckConfig named = checks("""
            health_check: {type: grpc, service: my.pkg.Api, interval: 1s, timeout: 300ms, fall: 2}
        """).levels().get(0).check();
    assertThat(named.grpc()).isTrue();
    assertThat(named.tcp()).isFalse();
    assertThat(named.grpcService()).contains("my.pkg.Api");
    assertThat(named.timeout()).isEqualTo(Duration.ofMillis(300));
    assertThat(named.fall()).isEqualTo(2);
    assertThat(checks("""
            health_check: {type: grpc}
        """).levels().get(0).check().grpcService()).contains("");
    assertThat(checks("""
            health_checks:
              levels:
                - {name: l4, type: tcp, critical: true}
                - {name: grpc, type: grpc, service: ""}
        """).levels().get(1).check().grpcService()).contains("");
    assertThat(checks("""
            health_check: {path: /health}
        """).levels().get(0).check().grpcService()).isEmpty();
  }

  @Test
  void grpcFieldsOnlyWithTypeGrpcAndHttpFieldsNotWithIt() {
    assertThat(errors(BASE + """
            health_checks:
              levels:
                - {name: a, path: /health, service: my.pkg.Api}
                - {name: b, type: tcp, service: ""}
                - {name: c, type: grpc, path: /health, expected_status: 200}
                - {name: d, type: grpc, service: "bad\\tname"}
                - {name: e, type: grpcs, service: x}
        """)).containsExactly(
        "test.yaml:11:36: pools[0].health_checks.levels[0].service: set, but type is http"
            + " (expected: only with type grpc)",
        "test.yaml:12:32: pools[0].health_checks.levels[1].service: set, but type is tcp"
            + " (expected: only with type grpc)",
        "test.yaml:13:33: pools[0].health_checks.levels[2].path: set, but type is grpc"
            + " (expected: only with type http)",
        "test.yaml:13:48: pools[0].health_checks.levels[2].expected_status: set, but type is grpc"
            + " (expected: only with type http)",
        "test.yaml:14:42: pools[0].health_checks.levels[3].service: 'bad\tname' (expected: a gRPC"
            + " service name such as \"my.pkg.Api\", or \"\" for the whole server (at most 1024"
            + " characters, no control characters))",
        // An unknown type reads the rest as an HTTP check.
        "test.yaml:15:11: pools[0].health_checks.levels[4].path: required field is missing"
            + " (expected: a path starting with '/', e.g. \"/health\")",
        "test.yaml:15:27: pools[0].health_checks.levels[4].type: 'grpcs' (expected: http, tcp or"
            + " grpc)");
  }
}
