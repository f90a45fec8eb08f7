package io.ballast.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.pick.Algorithm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ExamplesAndScaleTest {
  /** Maven runs tests from the module directory, so the examples are one level up. */
  private static final Path EXAMPLES = Path.of("..", "examples");

  @Test
  void everyExampleLoadsWithoutErrorsOrWarnings() throws IOException {
    List<Path> files;
    try (Stream<Path> listing = Files.list(EXAMPLES)) {
      files = listing.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).as("examples in %s", EXAMPLES.toAbsolutePath())
        .extracting(p -> p.getFileName().toString())
        .contains("minimal.yaml", "weighted.yaml", "least-connections.yaml", "full.yaml");
    for (Path file : files) {
      ConfigResult result = ConfigLoader.load(file);
      assertThat(result).as("%s: %s", file, result).isInstanceOf(ConfigResult.Valid.class);
      assertThat(result.warnings()).as("%s", file).isEmpty();
    }
  }

  @Test
  void examplesSayWhatTheirNamesPromise() {
    BallastConfig minimal = ConfigLoader.load(EXAMPLES.resolve("minimal.yaml")).orElseThrow();
    assertThat(minimal.listeners()).hasSize(1);
    assertThat(minimal.pools()).singleElement().satisfies(p -> assertThat(p.backends()).hasSize(2));

    PoolConfig weighted = ConfigLoader.load(EXAMPLES.resolve("weighted.yaml")).orElseThrow().pools().get(0);
    assertThat(weighted.algorithm()).isEqualTo(Algorithm.WEIGHTED_ROUND_ROBIN);
    assertThat(weighted.backends()).extracting(BackendConfig::weight).containsExactly(3, 2, 1);
    assertThat(weighted.healthChecks()).isPresent();

    assertThat(ConfigLoader.load(EXAMPLES.resolve("least-connections.yaml")).orElseThrow()
        .pools().get(0).algorithm()).isEqualTo(Algorithm.LEAST_CONNECTIONS);

    BallastConfig sticky = ConfigLoader.load(EXAMPLES.resolve("affinity.yaml")).orElseThrow();
    assertThat(sticky.pool("cart").orElseThrow().affinity().orElseThrow().strategy())
        .isEqualTo(io.ballast.proxy.affinity.AffinitySpec.Strategy.COOKIE);
    assertThat(sticky.pool("tenants").orElseThrow().affinity().orElseThrow().fallback())
        .isEqualTo(io.ballast.proxy.affinity.AffinitySpec.Strategy.IP);
    assertThat(sticky.listeners().get(0).routes().get(0).strictAffinity()).contains(true);

    ListenerConfig plain = ConfigLoader.load(EXAMPLES.resolve("routing.yaml")).orElseThrow()
        .listener("http").orElseThrow();
    assertThat(plain.routes()).extracting(RouteConfig::httpsRedirect).containsExactly(
        java.util.Optional.empty(),
        java.util.Optional.of(io.ballast.proxy.routing.HttpsRedirect.DEFAULT));
  }

  @Test
  void theSniExampleRoutesByNameBehindAndBesideAFrontBalancer() {
    BallastConfig sni = ConfigLoader.load(EXAMPLES.resolve("tcp-sni-passthrough.yaml"))
        .orElseThrow();
    ListenerConfig direct = sni.listener("tls-in").orElseThrow();
    assertThat(direct.tcp().sni().orElseThrow().routes()).hasSize(2);
    assertThat(direct.tcp().sni().orElseThrow().defaultPool()).contains("web");
    assertThat(direct.proxyProtocol()).isNull();
    ListenerConfig behind = sni.listener("tls-behind-lb").orElseThrow();
    assertThat(behind.proxyProtocol()).isNotNull();
    assertThat(behind.tcp().sni().orElseThrow().defaultPool()).isEmpty();
    assertThat(behind.pools()).containsExactly("api");
  }

  /** full.yaml sets every field: its text must mention every key the loader knows. */
  @Test
  void fullExampleSetsEveryField() throws IOException {
    String full = Files.readString(EXAMPLES.resolve("full.yaml"));
    for (String key : List.of("routes", "match", "hosts", "headers", "query", "exact", "prefix",
        "regex", "present", "absent", "deny", "clients", "status", "split", "groups", "user_key",
        "force_header", "force_cookie", "group_header", "blue_green", "blue", "green", "active",
        "rewrite", "strip_prefix", "replace_prefix", "from", "to", "pattern", "replacement",
        "request_headers", "response_headers", "remove", "set", "add", "mirror", "max_body",
        "max_in_flight", "https_redirect")) {
      assertThat(full).as("full.yaml mentions %s", key).contains(key + ":");
    }
    for (String key : List.of("listeners", "name", "bind", "pool", "pools", "algorithm", "backends",
        "address", "weight", "retries", "max_attempts", "per_try_timeout", "overall_timeout",
        "on_status", "methods", "max_buffered_body", "budget", "percent", "min_per_second",
        "window", "circuit_breaker", "window_type", "window_size", "minimum_calls",
        "failure_rate_threshold", "slow_call_duration", "slow_call_rate_threshold", "wait_in_open",
        "permitted_calls_in_half_open", "max_concurrent_requests", "health_check", "path", "host", "interval",
        "timeout", "expected_status", "rise", "fall", "passive_down_time", "timeouts", "connect",
        "response", "client_idle", "backend_idle", "drain", "limits", "max_uri_length",
        "max_header_size", "max_header_count", "request_head_timeout", "request_body_timeout",
        "min_request_body_rate", "max_connections", "max_connections_per_client",
        "max_requests_per_connection", "max_request_body", "forwarding", "x_forwarded", "forwarded", "trusted_proxies",
        "request_id_header", "admin", "enabled", "access_log", "queue_size", "health_checks",
        "degraded_below", "unhealthy_below", "levels", "type", "critical", "method",
        "body_contains", "cost", "weight_control", "objective", "figure", "kp", "ki", "kd",
        "max_step", "deadband", "floor", "ceiling", "overload_above", "underuse_below",
        "min_requests", "latency_objective", "stale_after", "warmup", "start", "step",
        "latency_tolerance", "error_tolerance", "scaling", "hot_above", "cold_below", "for",
        "cooldown", "webhook", "webhook_timeout",

                "signals", "load_header", "agent", "send", "prometheus", "gauges",
        "metric", "scale", "stale_after", "zone", "zones", "min_healthy_percent",
        "region_priority", "latency", "locality", "header", "cidr_file", "affinity", "by",
        "cookie", "domain", "secure", "http_only", "same_site", "max_age", "keys", "fallback",
        "table", "size", "idle", "strict", "bounded_load", "rebalance", "above", "after",
        "max_share", "client_ip", "ipv4_prefix", "ipv6_prefix", "dns", "srv", "port", "kind",
        "state", "discovery", "nameservers", "min_refresh", "max_refresh")) {
      assertThat(full).as("full.yaml sets %s", key).containsPattern("(?m)^\\s*-?\\s*" + key + ":");
    }
    // And nothing else: an unknown key would have failed the load above.
    BallastConfig config = ConfigLoader.load(EXAMPLES.resolve("full.yaml")).orElseThrow();
    assertThat(config.pool("api").orElseThrow().signals().orElseThrow().prometheus().gauges())
        .hasSize(2);
    assertThat(config.pool("api").orElseThrow().dnsBackends()).hasSize(2);
    assertThat(config.discovery().dns().nameservers()).hasSize(2);
    assertThat(config.pool("api").orElseThrow().healthChecks().orElseThrow().levels().get(0).check().expectedStatus().contains(304))
        .isTrue();
  }

  @Test
  void oneFileWithManyErrorsReportsEveryOneInFileOrder() {
    StringBuilder yaml = new StringBuilder("listeners:\n");
    int listeners = 200;
    for (int i = 0; i < listeners; i++) {
      // Each listener has three errors: a bad name, a bad port and a missing pool.
      yaml.append("  - name: Web").append(i).append('\n')
          .append("    bind: \"127.0.0.1:").append(70000 + i).append("\"\n")
          .append("    pool: missing\n");
    }
    yaml.append("pools:\n  - name: api\n    backends:\n      - address: \"127.0.0.1:1\"\n        wieght: 2\n");

    List<ConfigError> errors = ((ConfigResult.Invalid) ConfigLoader.parse(yaml.toString(), "many.yaml")).errors();

    assertThat(errors).hasSize(listeners * 3 + 1);
    assertThat(errors.get(0)).hasToString("many.yaml:2:11: listeners[0].name: 'Web0' (expected: a name"
        + " of lowercase letters, digits, '-' and '_', starting with a letter or digit, at most 63 characters)");
    assertThat(errors.get(1)).hasToString(
        "many.yaml:3:11: listeners[0].bind: '127.0.0.1:70000': port 70000 (expected: 0..65535)");
    assertThat(errors.get(2)).hasToString(
        "many.yaml:4:11: listeners[0].pool: no pool named 'missing' (expected one of: api)");
    assertThat(errors.get(errors.size() - 1)).hasToString("many.yaml:" + (3 * listeners + 6)
        + ":9: pools[0].backends[0].wieght: unknown field 'wieght' (did you mean 'weight'?)");
    assertThat(errors).isSortedAccordingTo((a, b) ->
        a.line() != b.line() ? Integer.compare(a.line(), b.line()) : Integer.compare(a.column(), b.column()));
  }

  @Test
  void aLargePoolLoadsQuickly() {
    StringBuilder yaml = new StringBuilder("""
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            pool: big
        pools:
          - name: big
            backends:
        """);
    int backends = 5000;
    for (int i = 0; i < backends; i++) {
      yaml.append("      - address: \"10.").append(i / 250).append('.').append(i % 250).append(".1:8080\"\n");
    }
    String text = yaml.toString();
    ConfigLoader.parse(text, "warm-up.yaml").orElseThrow();

    long start = System.nanoTime();
    BallastConfig config = ConfigLoader.parse(text, "big.yaml").orElseThrow();
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertThat(config.pools().get(0).backends()).hasSize(backends);
    // Measured at about 15 ms warm on a busy 2-core machine; the bound leaves room for a slow build.
    assertThat(millis).as("load time of %d backends", backends).isLessThan(2000);
  }
}
