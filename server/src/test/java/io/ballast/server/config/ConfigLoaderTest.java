package io.ballast.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.pick.Algorithm;
import io.ballast.core.retry.RetrySettings;
import io.ballast.proxy.client.Cidr;
import io.ballast.proxy.http2.Http2Options;
import io.ballast.proxy.probe.StatusRange;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  /** A valid base; tests append or vary sections. Line numbers matter: see the comments. */
  static final String BASE = """
      listeners:
        - name: web
          bind: "127.0.0.1:8080"
          pool: api
      pools:
        - name: api
          backends:
            - address: "127.0.0.1:9001"
      """;

  static ConfigResult.Valid valid(String yaml) {
    ConfigResult result = ConfigLoader.parse(yaml, "test.yaml");
    assertThat(result).as("%s", result).isInstanceOf(ConfigResult.Valid.class);
    return (ConfigResult.Valid) result;
  }

  static List<String> errors(String yaml) {
    ConfigResult result = ConfigLoader.parse(yaml, "test.yaml");
    assertThat(result).as("%s", result).isInstanceOf(ConfigResult.Invalid.class);
    return ((ConfigResult.Invalid) result).errors().stream().map(ConfigError::toString).toList();
  }

  @Test
  void minimalFileGetsEveryDefault() {
    BallastConfig config = valid(BASE).config();

    assertThat(config.listeners()).containsExactly(
        new ListenerConfig("web", new HostPort("127.0.0.1", 8080), "api"));
    PoolConfig pool = config.pool("api").orElseThrow();
    assertThat(pool.algorithm()).isEqualTo(Algorithm.AUTO);
    assertThat(pool.backends()).containsExactly(
        new BackendConfig("127.0.0.1:9001", new HostPort("127.0.0.1", 9001), 1));
    assertThat(pool.retries()).isEqualTo(RetrySettings.DEFAULTS);
    assertThat(pool.circuitBreaker()).isEmpty();
    assertThat(pool.healthChecks()).isEmpty();
    assertThat(pool.passiveDownTime()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.timeouts()).isEqualTo(new TimeoutsConfig(Duration.ofSeconds(2),
        Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(30)));
    assertThat(config.limits()).isEqualTo(new LimitsConfig(8192, 16384));
    assertThat(config.forwarding()).isEqualTo(new ForwardingConfig(true, false, List.of(), "X-Request-Id"));
    assertThat(config.admin()).isEqualTo(new AdminConfig(true, new HostPort("127.0.0.1", 9901)));
    assertThat(config.accessLog()).isEqualTo(new AccessLogConfig(true, "stdout", 65536));
    assertThat(config.accessLog().file()).isEmpty();
    assertThat(config.pool("nope")).isEmpty();
    assertThat(valid(BASE).warnings()).isEmpty();
  }

  @Test
  void healthCheckDefaultsAndParsedValues() {
    HealthCheckConfig check = valid(BASE + """
            health_check:
              path: /health
        """).config().pools().get(0).healthChecks().orElseThrow().levels().get(0).check();

    assertThat(check).isEqualTo(new HealthCheckConfig(false, "/health", Optional.empty(),
        Duration.ofSeconds(2), Duration.ofSeconds(1), StatusRanges.DEFAULT, 2, 3));
    assertThat(check.expectedStatus().contains(200)).isTrue();
    assertThat(check.expectedStatus().contains(399)).isTrue();
    assertThat(check.expectedStatus().contains(404)).isFalse();
  }

  @Test
  void durationsSizesAndStatusListsAreParsed() {
    BallastConfig config = valid(BASE + """
            health_check:
              path: /ready
              host: api.internal
              interval: 1m
              timeout: 250
              expected_status: [204, "300-302"]
        timeouts:
          connect: 250ms
          response: 1h
        limits:
          max_uri_length: 4KiB
          max_header_size: 1MiB
        forwarding:
          trusted_proxies: ["10.0.0.0/8", "::1", "fd00::/8"]
        """).config();

    HealthCheckConfig check = config.pools().get(0).healthChecks().orElseThrow().levels().get(0).check();
    assertThat(check.host()).contains("api.internal");
    assertThat(check.interval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(check.timeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(check.expectedStatus().ranges())
        .containsExactly(new StatusRange(204, 204), new StatusRange(300, 302));
    assertThat(config.timeouts().connect()).isEqualTo(Duration.ofMillis(250));
    assertThat(config.timeouts().response()).isEqualTo(Duration.ofHours(1));
    assertThat(config.limits()).isEqualTo(new LimitsConfig(4096, 1 << 20));
    assertThat(config.forwarding().trustedProxies()).extracting(Cidr::toString)
        .containsExactly("10.0.0.0/8", "0:0:0:0:0:0:0:1/128", "fd00:0:0:0:0:0:0:0/8");
  }

  @Test
  void clientLimitsAreReadUnderLimitsAndReachTheDataPlane() {
    BallastConfig config = valid(BASE + """
        limits:
          max_header_count: 50
          request_head_timeout: 5s
        """).config();
    assertThat(config.limits().maxHeaderCount()).isEqualTo(50);
    assertThat(config.limits().requestHeadTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.limits().clientLimits()).isEqualTo(
        new io.ballast.proxy.ProxySettings.ClientLimits(Duration.ofSeconds(5), 50));
    assertThat(LimitsConfig.DEFAULTS.clientLimits())
        .isEqualTo(io.ballast.proxy.ProxySettings.ClientLimits.DEFAULTS);
    assertThat(String.join("\n", errors(BASE + """
        limits:
          max_header_count: 0
          request_head_timeout: 0s
        """))).contains("max_header_count").contains("request_head_timeout");
  }

  @Test
  void aBodysPaceIsReadUnderLimits() {
    LimitsConfig limits = valid(BASE + """
        limits:
          request_body_timeout: 20s
          min_request_body_rate: 2KiB/s
        """).config().limits();
    assertThat(limits.clientLimits()).isEqualTo(new io.ballast.proxy.ProxySettings.ClientLimits(
        Duration.ofSeconds(10), 100, Duration.ofSeconds(20), 2048));
    assertThat(LimitsConfig.DEFAULTS.requestBodyTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(LimitsConfig.DEFAULTS.minRequestBodyRate()).isEqualTo(1024);
    assertThat(valid(BASE + "limits:\n  min_request_body_rate: off\n").config().limits()
        .minRequestBodyRate()).isZero();
    assertThat(valid(BASE + "limits:\n  min_request_body_rate: 500\n").config().limits()
        .minRequestBodyRate()).isEqualTo(500);
    assertThat(errors(BASE + "limits:\n  min_request_body_rate: 1KB/s\n")).containsExactly(
        "test.yaml:10:26: limits.min_request_body_rate: '1KB' is not a size (expected: a size"
            + " such as \"8KiB\", \"1MiB\", or an integer of bytes)");
    assertThat(errors(BASE + "limits:\n  min_request_body_rate: 1KiB\n")).containsExactly(
        "test.yaml:10:26: limits.min_request_body_rate: '1KiB' is not a rate (expected: a rate"
            + " such as \"1KiB/s\" or \"512B/s\")");
    assertThat(errors(BASE + "limits:\n  request_body_timeout: 0s\n")).containsExactly(
        "test.yaml:10:25: limits.request_body_timeout: 0s (expected: a duration > 0)");
  }

  @Test
  void listenerAndRouteLimitsAreReadAndNameTheirBadFields() {
    String listener = BASE.replace("    pool: api\n", "    pool: api\n    limits: %s\n");
    ListenerLimitsConfig limits = valid(listener.formatted("{max_connections: 1000,"
        + " max_connections_per_client: 50, max_requests_per_connection: off,"
        + " max_request_body: 10MiB}")).config().listeners().get(0).limits();
    assertThat(limits).isEqualTo(new ListenerLimitsConfig(new io.ballast.proxy.limits
        .ListenerLimits(1000, 50, io.ballast.proxy.limits.ListenerLimits.NONE), 10L << 20));
    assertThat(valid(BASE).config().listeners().get(0).limits())
        .isEqualTo(ListenerLimitsConfig.DEFAULTS);
    assertThat(errors(listener.formatted("{max_connections: 0, max_request_body: 2TiB}")))
        .containsExactly(
            "test.yaml:5:31: listeners[0].limits.max_connections: 0 (expected: 1..10000000)",
            "test.yaml:5:52: listeners[0].limits.max_request_body: '2TiB' is not a size"
                + " (expected: a size such as \"8KiB\", \"1MiB\", or an integer of bytes)");
    String routes = """
        listeners:
          - name: web
            bind: "127.0.0.1:8080"
            limits: {max_request_body: 1MiB}
            routes:
              - {name: upload, match: {path: {prefix: /upload}}, pool: api,
                 limits: {max_request_body: 1GiB}}
              - {name: open, match: {path: {prefix: /open}}, pool: api,
                 limits: {max_request_body: off}}
              - {name: rest, pool: api}
        pools:
          - name: api
            backends:
              - address: "127.0.0.1:9001"
        """;
    BallastConfig config = valid(routes).config();
    assertThat(config.listeners().get(0).routes()).extracting(RouteConfig::maxRequestBody)
        .containsExactly(1L << 30, io.ballast.proxy.routing.RouteSpec.NO_BODY_LIMIT, null);
    assertThat(errors(routes.replace("{max_request_body: off}", "{max_connections: 10}")))
        .containsExactly("test.yaml:9:19: listeners[0].routes[1].limits.max_connections: a"
            + " listener's limit (expected: on a route only max_request_body; max_connections goes"
            + " in the listener's limits)");
  }

  @Test
  void trustedProxiesMatchAddresses() throws Exception {
    ForwardingConfig forwarding = valid(BASE + """
        forwarding:
          trusted_proxies: ["10.1.0.0/16", "fd00::/8"]
        """).config().forwarding();

    assertThat(forwarding.trusts(InetAddress.getByName("10.1.200.3"))).isTrue();
    assertThat(forwarding.trusts(InetAddress.getByName("10.2.0.1"))).isFalse();
    assertThat(forwarding.trusts(InetAddress.getByName("fd12::1"))).isTrue();
    assertThat(forwarding.trusts(InetAddress.getByName("fe80::1"))).isFalse();
  }

  @Test
  void listsInTheConfigAreImmutable() {
    BallastConfig config = valid(BASE).config();
    assertThatThrownBy(() -> config.pools().clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> config.pools().get(0).backends().clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void yamlSyntaxErrorPointsWhereTheParserStopped() {
    assertThat(errors("""
        listeners:
          - name: web
            bind: [1, 2
        pools: []
        """)).singleElement().asString()
        .startsWith("test.yaml:4:6: YAML syntax error: expected ',' or ']', but got :")
        .contains("while parsing a flow sequence at 3:11");
  }

  @Test
  void badIndentationIsASyntaxError() {
    assertThat(errors("pools:\n  a: 1\n b: 2\n")).singleElement().asString()
        .startsWith("test.yaml:3:2: YAML syntax error:");
  }

  @Test
  void emptyFileAndCommentOnlyFile() {
    assertThat(errors("")).containsExactly(
        "test.yaml:1:1: the file is empty (expected: a mapping with 'listeners' and 'pools')");
    assertThat(errors("# nothing yet\n")).hasSize(1);
  }

  @Test
  void rootMustBeAMapping() {
    assertThat(errors("- a\n- b\n")).containsExactly("test.yaml:1:1: found a list (expected: a mapping)");
  }

  @Test
  void unknownKeysPointAtTheKeyWithASuggestion() {
    assertThat(errors("""
        listeners:
          - name: web
            bind: "127.0.0.1:8080"
            pool: api
        pools:
          - name: api
            backends:
              - address: "127.0.0.1:9001"
                wieght: 2
        timeout:
          connect: 1s
        colour: blue
        """)).containsExactly(
        "test.yaml:9:9: pools[0].backends[0].wieght: unknown field 'wieght' (did you mean 'weight'?)",
        "test.yaml:10:1: timeout: unknown field 'timeout' (did you mean 'timeouts'?)",
        "test.yaml:12:1: colour: unknown field 'colour' (expected one of: pools, http2, listeners,"
            + " timeouts, limits, forwarding, admin, access_log, locality, discovery)");
  }

  @Test
  void missingRequiredFieldsPointAtTheirMapping() {
    assertThat(errors("""
        listeners:
          - name: web
            bind: "127.0.0.1:8080"
        pools:
          - backends:
              - weight: 2
        """)).containsExactly(
        "test.yaml:2:5: listeners[0].pool: required field is missing (expected: the name of a pool)",
        "test.yaml:5:5: pools[0].name: required field is missing (expected: " + nameExpected() + ")",
        "test.yaml:6:9: pools[0].backends[0].address: required field is missing"
            + " (expected: host:port, e.g. \"10.0.0.5:8080\")");
  }

  private static String nameExpected() {
    return "a name of lowercase letters, digits, '-' and '_', starting with a letter or digit,"
        + " at most 63 characters";
  }

  @Test
  void missingTopLevelSections() {
    assertThat(errors("timeouts:\n  connect: 1s\n")).containsExactly(
        "test.yaml:1:1: pools: required field is missing (expected: a list of pools)",
        "test.yaml:1:1: listeners: required field is missing (expected: a list of listeners)");
  }

  @Test
  void wrongTypes() {
    assertThat(errors("""
        listeners:
          - name: web
            bind: 8080
            pool: api
        pools:
          - name: api
            backends:
              - address: "127.0.0.1:9001"
                weight: 1.5
            retries: "3"
            health_check: /health
        timeouts: 30s
        forwarding:
          x_forwarded: "yes"
          trusted_proxies: 10.0.0.0/8
        """)).containsExactly(
        "test.yaml:3:11: listeners[0].bind: found integer 8080 (expected: host:port, e.g. \"0.0.0.0:8080\")",
        "test.yaml:9:17: pools[0].backends[0].weight: found number 1.5 (expected: an integer 1..256)",
        "test.yaml:10:14: pools[0].retries: found string '3' (expected: a mapping)",
        "test.yaml:11:19: pools[0].health_check: found string '/health' (expected: a mapping)",
        "test.yaml:12:11: timeouts: found string '30s' (expected: a mapping)",
        "test.yaml:14:16: forwarding.x_forwarded: found string 'yes' (expected: true or false)",
        "test.yaml:15:20: forwarding.trusted_proxies: found string '10.0.0.0/8' (expected: a list of"
            + " a CIDR such as \"10.0.0.0/8\" or an IP address)");
  }

  @Test
  void yaml11BooleansAndOctalsStayStrings() {
    // YAML 1.2: "no" is not false and 010 is not 8, so neither sneaks in as a wrong value.
    assertThat(errors(BASE + """
        admin:
          enabled: no
        """)).containsExactly("test.yaml:10:12: admin.enabled: found string 'no' (expected: true or false)");
    assertThat(errors(BASE + "    panic_threshold: 010\n")).singleElement().asString()
        .contains("found string '010'");
  }

  @Test
  void outOfRangeValues() {
    assertThat(errors("""
        listeners:
          - name: web
            bind: "127.0.0.1:8080"
            pool: api
        pools:
          - name: api
            backends:
              - address: "127.0.0.1:9001"
                weight: -1
              - address: "127.0.0.1:9002"
                weight: 257
            retries: {max_attempts: 11}
            health_check:
              path: /health
              rise: 0
              fall: 99999999999999999999
        limits:
          max_uri_length: 10
          max_header_size: 2MiB
        access_log:
          queue_size: 0
        """)).containsExactly(
        "test.yaml:9:17: pools[0].backends[0].weight: -1 (expected: 1..256)",
        "test.yaml:11:17: pools[0].backends[1].weight: 257 (expected: 1..256)",
        "test.yaml:12:29: pools[0].retries.max_attempts: 11 (expected: 1..10)",
        "test.yaml:15:13: pools[0].health_check.rise: 0 (expected: >= 1)",
        "test.yaml:16:13: pools[0].health_check.fall: 99999999999999999999 (expected: >= 1)",
        "test.yaml:18:19: limits.max_uri_length: 10 (expected: 64..1048576 bytes)",
        "test.yaml:19:20: limits.max_header_size: '2MiB' = 2097152 bytes (expected: 256..1048576 bytes)",
        "test.yaml:21:15: access_log.queue_size: 0 (expected: 1..16777216)");
  }

  @Test
  void badDurationsAndSizes() {
    assertThat(errors(BASE + """
        timeouts:
          connect: 2 sec
          response: 0
          client_idle: -5
          backend_idle: 1.5s
          drain: true
        limits:
          max_uri_length: 8KB
        """)).containsExactly(
        "test.yaml:10:12: timeouts.connect: '2 sec' is not a duration (expected: a duration such as"
            + " \"250ms\", \"2s\", \"1m\", \"1h\", or an integer of milliseconds)",
        "test.yaml:11:13: timeouts.response: 0 (expected: a duration > 0)",
        "test.yaml:12:16: timeouts.client_idle: -5 (expected: a duration > 0)",
        "test.yaml:13:17: timeouts.backend_idle: '1.5s' is not a duration (expected: a duration such as"
            + " \"250ms\", \"2s\", \"1m\", \"1h\", or an integer of milliseconds)",
        "test.yaml:14:10: timeouts.drain: found boolean true (expected: a duration such as \"250ms\","
            + " \"2s\", \"1m\", \"1h\", or an integer of milliseconds)",
        "test.yaml:16:19: limits.max_uri_length: '8KB' is not a size (expected: a size such as"
            + " \"8KiB\", \"1MiB\", or an integer of bytes)");
  }

  @Test
  void theTunnelIdleTimeoutIsAnHourUnlessSet() {
    assertThat(valid(BASE).config().timeouts().tunnelIdle()).isEqualTo(Duration.ofHours(1));
    assertThat(valid(BASE + """
        timeouts:
          tunnel_idle: 10m
        """).config().timeouts().tunnelIdle()).isEqualTo(Duration.ofMinutes(10));
    assertThat(errors(BASE + """
        timeouts:
          tunnel_idle: 0
        """)).containsExactly(
        "test.yaml:10:16: timeouts.tunnel_idle: 0 (expected: a duration > 0)");
  }

  @Test
  void theWebSocketFrameLimitIsSixteenMebibytesUnlessSet() {
    assertThat(valid(BASE).config().limits().maxWebSocketFrame()).isEqualTo(16L << 20);
    assertThat(valid(BASE + """
        limits:
          max_websocket_frame: 64KiB
        """).config().limits().maxWebSocketFrame()).isEqualTo(65536);
    assertThat(errors(BASE + """
        limits:
          max_websocket_frame: 100
        """)).containsExactly(
        "test.yaml:10:24: limits.max_websocket_frame: 100 (expected: 125..2147483647 bytes)");
  }

  @Test
  void http2IsOnWithItsDefaultsUnlessSetAndBadValuesNameTheirLine() {
    assertThat(valid(BASE).config().http2()).isEqualTo(Http2Options.defaults());
    Http2Options set = valid(BASE + """
        http2:
          enabled: false
          max_concurrent_streams: 250
          initial_window_size: 1MiB
          connection_window_size: 16MiB
          max_resets: 50
          reset_window: 10s
          max_control_frames_per_second: 200
        """).config().http2();
    assertThat(set).isEqualTo(new Http2Options(false, 250, 1 << 20, 16 << 20, 50, 10, 200));
    assertThat(errors(BASE + """
        http2:
          max_concurrent_streams: 0
          connection_window_size: 1KiB
          reset_window: 10ms
          max_stream: 3
        """)).containsExactly(
        "test.yaml:10:27: http2.max_concurrent_streams: 0 (expected: 1..1048576)",
        "test.yaml:11:27: http2.connection_window_size: '1KiB' = 1024 bytes (expected:"
            + " 65535..2147483647 bytes)",
        "test.yaml:13:3: http2.max_stream: unknown field 'max_stream' (expected one of: enabled,"
            + " max_concurrent_streams, initial_window_size, connection_window_size, max_resets,"
            + " reset_window, max_control_frames_per_second)");
    assertThat(errors(BASE + """
        http2:
          reset_window: 10ms
        """)).containsExactly("test.yaml:10:17: http2.reset_window: 10 ms (expected: at least 1s)");
  }

  @Test
  void badAddresses() {
    assertThat(errors("""
        listeners:
          - name: web
            bind: "8080"
            pool: api
          - name: web2
            bind: "::1:8080"
            pool: api
          - name: web3
            bind: "127.0.0.1:70000"
            pool: api
        pools:
          - name: api
            backends:
              - address: "bad_host!:80"
              - address: "127.0.0.1:0"
              - address: "[not-v6]:80"
        """)).containsExactly(
        "test.yaml:3:11: listeners[0].bind: '8080' has no port (expected: host:port, e.g."
            + " \"10.0.0.5:8080\", \"api.internal:80\" or \"[::1]:9000\")",
        "test.yaml:6:11: listeners[1].bind: '::1:8080': an IPv6 address needs brackets (expected:"
            + " host:port, e.g. \"10.0.0.5:8080\", \"api.internal:80\" or \"[::1]:9000\")",
        "test.yaml:9:11: listeners[2].bind: '127.0.0.1:70000': port 70000 (expected: 0..65535)",
        "test.yaml:14:18: pools[0].backends[0].address: 'bad_host!:80': 'bad_host!' is not an IP"
            + " address or a DNS name (expected: host:port, e.g. \"10.0.0.5:8080\", \"api.internal:80\""
            + " or \"[::1]:9000\")",
        "test.yaml:15:18: pools[0].backends[1].address: '127.0.0.1:0': port 0 (expected: 1..65535)",
        "test.yaml:16:18: pools[0].backends[2].address: '[not-v6]:80': 'not-v6' is not an IPv6"
            + " address (expected: host:port, e.g. \"10.0.0.5:8080\", \"api.internal:80\" or \"[::1]:9000\")");
  }

  @Test
  void ipv6AndNamesAreAccepted() {
    BallastConfig config = valid("""
        listeners:
          - name: v6
            bind: "[::]:0"
            pool: api
        pools:
          - name: api
            backends:
              - address: "[::1]:9001"
              - address: "backend-2.internal:9001"
        """).config();
    assertThat(config.listeners().get(0).bind().isWildcard()).isTrue();
    assertThat(config.pools().get(0).backends()).extracting(BackendConfig::name)
        .containsExactly("[::1]:9001", "backend-2.internal:9001");
  }

  @Test
  void badCidrsAndStatusRanges() {
    assertThat(errors(BASE + """
            health_check:
              path: health
              expected_status: ["200-199", "2xx", 600]
        forwarding:
          trusted_proxies: ["10.0.0.1/8", "10.0.0.0/33", "example.com"]
          request_id_header: "X Request Id"
        """)).containsExactly(
        "test.yaml:10:13: pools[0].health_check.path: 'health' (expected: a path starting with '/',"
            + " e.g. \"/health\")",
        "test.yaml:11:25: pools[0].health_check.expected_status[0]: '200-199' (expected: codes"
            + " 100..599, the lower one first)",
        "test.yaml:11:36: pools[0].health_check.expected_status[1]: '2xx' is not a status code or"
            + " range (expected: a code such as \"200\" or a range such as \"200-399\")",
        "test.yaml:11:43: pools[0].health_check.expected_status[2]: '600' (expected: codes 100..599,"
            + " the lower one first)",
        "test.yaml:13:21: forwarding.trusted_proxies[0]: '10.0.0.1/8' has host bits set (expected:"
            + " 10.0.0.0/8)",
        "test.yaml:13:35: forwarding.trusted_proxies[1]: '10.0.0.0/33': prefix length '33'"
            + " (expected: 0..32)",
        "test.yaml:13:50: forwarding.trusted_proxies[2]: 'example.com' is not a network (expected: a"
            + " CIDR such as \"10.0.0.0/8\" or \"fd00::/8\", or an IP address)",
        "test.yaml:14:22: forwarding.request_id_header: 'X Request Id' (expected: a header name"
            + " (letters, digits and !#$%&'*+.^_`|~-))");
  }

  @Test
  void unknownAlgorithmListsTheAcceptedNames() {
    assertThat(errors(BASE + "    algorithm: fastest\n")).containsExactly(
        "test.yaml:9:16: pools[0].algorithm: unknown algorithm 'fastest' (expected: one of "
            + Algorithm.configNames() + ")");
  }

  @Test
  void everyAlgorithmNameFromCoreIsAccepted() {
    for (Algorithm algorithm : Algorithm.values()) {
      assertThat(valid(BASE + "    algorithm: " + algorithm.configName() + "\n")
          .config().pools().get(0).algorithm()).isEqualTo(algorithm);
    }
  }

  @Test
  void duplicateNamesAndBinds() {
    assertThat(errors("""
        listeners:
          - name: web
            bind: "0.0.0.0:8080"
            pool: api
          - name: web
            bind: "127.0.0.1:8080"
            pool: api
          - name: other
            bind: "0.0.0.0:8080"
            pool: api
        pools:
          - name: api
            backends:
              - address: "127.0.0.1:9001"
              - address: "127.0.0.1:9001"
              - name: b
                address: "127.0.0.1:9002"
              - name: b
                address: "127.0.0.1:9003"
          - name: api
            backends:
              - address: "127.0.0.1:9001"
        """)).containsExactly(
        "test.yaml:5:11: listeners[1].name: duplicate listener name 'web' (first at 2:11; expected:"
            + " unique listener names)",
        "test.yaml:6:11: listeners[1].bind: '127.0.0.1:8080' overlaps the bind '0.0.0.0:8080' of"
            + " listener 'web' at 3:11 (expected: a different address or port)",
        "test.yaml:9:11: listeners[2].bind: '0.0.0.0:8080' is also the bind of listener 'web' at"
            + " 3:11 (expected: a different address or port)",
        "test.yaml:15:18: pools[0].backends[1].name: duplicate backend name '127.0.0.1:9001' (first"
            + " at 14:18; expected: unique names within a pool; without a name, a backend is named by"
            + " its address)",
        "test.yaml:18:15: pools[0].backends[3].name: duplicate backend name 'b' (first at 16:15;"
            + " expected: unique names within a pool; without a name, a backend is named by its address)",
        "test.yaml:20:11: pools[1].name: duplicate pool name 'api' (first at 12:11; expected: unique"
            + " pool names)");
  }

  @Test
  void adminBindClashingWithAListenerIsAnError() {
    assertThat(errors(BASE + """
        admin:
          bind: "127.0.0.1:8080"
        """)).containsExactly("test.yaml:10:9: admin.bind: '127.0.0.1:8080' is also the bind of"
            + " listener 'web' at 3:11 (expected: a different address or port)");
  }

  @Test
  void portZeroBindsNeverClash() {
    valid("""
        listeners:
          - name: a
            bind: "127.0.0.1:0"
            pool: api
          - name: b
            bind: "127.0.0.1:0"
            pool: api
        pools:
          - name: api
            backends:
              - address: "127.0.0.1:9001"
        admin:
          bind: "127.0.0.1:0"
        """);
  }

  @Test
  void listenerNamingAMissingPool() {
    assertThat(errors(BASE.replace("pool: api", "pool: apx"))).containsExactly(
        "test.yaml:4:11: listeners[0].pool: no pool named 'apx' (did you mean 'api'?)");
    assertThat(errors(BASE.replace("pool: api", "pool: images"))).containsExactly(
        "test.yaml:4:11: listeners[0].pool: no pool named 'images' (expected one of: api)");
  }

  @Test
  void healthCheckTimeoutLongerThanInterval() {
    assertThat(errors(BASE + """
            health_check:
              path: /health
              interval: 1s
              timeout: 2s
        """)).containsExactly(
        "test.yaml:12:16: pools[0].health_check.timeout: 2s (expected: <= interval 1s)");
    // Without a timeout in the file, the interval is what the operator must change.
    assertThat(errors(BASE + """
            health_check:
              path: /health
              interval: 500ms
        """)).containsExactly("test.yaml:11:17: pools[0].health_check.interval: 500ms (expected:"
            + " >= timeout 1s, the default timeout)");
  }

  @Test
  void emptyListsAndNulls() {
    assertThat(errors("""
        listeners: []
        pools:
          - name: api
            backends:
        """)).containsExactly(
        "test.yaml:1:12: listeners: an empty list (expected: at least one listener)",
        "test.yaml:4:14: pools[0].backends: found null (expected: a list of backends)");
  }

  @Test
  void duplicateYamlKeysAreErrors() {
    assertThat(errors(BASE + "    name: again\n")).containsExactly(
        "test.yaml:9:5: duplicate key 'name' (first at 6:5; expected: each key once)");
  }

  @Test
  void aliasesAndSecondDocumentsAreRefused() {
    assertThat(errors(BASE.replace("pool: api", "pool: &p api") + "admin:\n  bind: *p\n"))
        .containsExactly("test.yaml:10:9: YAML alias '*p' (expected: a plain value; aliases and"
            + " anchors are not supported)");
    assertThat(errors(BASE + "---\nlisteners: []\n")).containsExactly(
        "test.yaml:10:1: a second YAML document (expected: exactly one document)");
  }

  @Test
  void adminOffLoopbackNeedsATokenAndIsThenAWarning() {
    assertThat(errors(BASE + "admin:\n  bind: \"0.0.0.0:9901\"\n")).containsExactly(
        "test.yaml:10:9: admin.bind: '0.0.0.0:9901' is not a loopback address and admin.token is"
            + " not set (expected: a loopback bind, or a token for an admin API reachable from the"
            + " network)");
    ConfigResult.Valid result = valid(BASE + """
        admin:
          bind: "0.0.0.0:9901"
          token: "a-token-of-sixteen-or-more"
        """);
    assertThat(result.warnings()).extracting(ConfigError::toString).containsExactly(
        "test.yaml:10:9: admin.bind: '0.0.0.0:9901' is not a loopback address: the admin API will"
            + " be reachable from the network");
    assertThat(valid(BASE + "admin:\n  bind: \"[::1]:9901\"\n").warnings()).isEmpty();
    assertThat(valid(BASE + "admin:\n  bind: \"localhost:9901\"\n").warnings()).isEmpty();
    assertThat(valid(BASE + "admin:\n  enabled: false\n  bind: \"0.0.0.0:9901\"\n").warnings()).isEmpty();
  }

  @Test
  void rateLimitsNameTheirBadFields() {
    String listener = BASE.replace("    pool: api\n", "    pool: api\n    rate_limits: [%s]\n");
    assertThat(errors(listener.formatted("{name: a, rate: 10/d}"))).containsExactly(
        "test.yaml:5:35: listeners[0].rate_limits[0].rate: '10/d' is not a rate (expected: a rate"
            + " such as \"100/s\", \"600/m\" or \"10000/h\")");
    assertThat(errors(listener.formatted("{name: a, rate: 1/s, by: header}"))).containsExactly(
        "test.yaml:5:44: listeners[0].rate_limits[0].by: header, but no header field (expected:"
            + " the header to count by, such as header: X-Api-Key)");
    assertThat(errors(listener.formatted("{name: a, rate: 1/s, burst: 0}"))).containsExactly(
        "test.yaml:5:47: listeners[0].rate_limits[0].burst: 0 (expected: 1..1000000000)");
    BallastConfig ok = valid(listener.formatted(
        "{name: k, by: header, header: X-Api-Key, rate: 600/m, exempt: [10.0.0.0/8]}")).config();
    assertThat(ok.listeners().get(0).rateLimits()).singleElement().hasToString(
        "k: 600/60000ms, burst 600, per header X-Api-Key");
  }

  @Test
  void accessListsNameTheirBadEntries(@TempDir Path dir) throws Exception {
    String listener = BASE.replace("    pool: api\n", "    pool: api\n    access: %s\n");
    assertThat(errors(listener.formatted("{allow: [\"10.0.0.1/8\", \"nope\"]}"))).containsExactly(
        "test.yaml:5:22: listeners[0].access.allow[0]: '10.0.0.1/8' has host bits set (expected:"
            + " 10.0.0.0/8)",
        "test.yaml:5:36: listeners[0].access.allow[1]: 'nope' is not a network (expected: a CIDR"
            + " such as \"10.0.0.0/8\" or \"fd00::/8\", or an IP address)");
    assertThat(errors(listener.formatted("{}"))).containsExactly(
        "test.yaml:5:13: listeners[0].access: no network (expected: at least one of allow, deny,"
            + " allow_file, deny_file)");
    assertThat(errors(listener.formatted("{deny_file: " + dir.resolve("missing.txt") + "}")))
        .containsExactly("test.yaml:5:25: listeners[0].access.deny_file: cannot read "
            + dir.resolve("missing.txt") + " (no such file)");
    Path list = dir.resolve("list.txt");
    Files.writeString(list, "10.0.0.0/8 # office\n\n  2001:db8::/32\n");
    BallastConfig config = valid(listener.formatted("{allow_file: " + list + "}")).config();
    assertThat(config.listeners().get(0).access().list().allow().networks())
        .extracting(Object::toString).containsExactly("10.0.0.0/8", "2001:db8:0:0:0:0:0:0/32");
    assertThat(config.watchedFiles()).contains(list.toAbsolutePath());
  }

  @Test
  void accessLogFileNeedsAnExistingDirectory(@TempDir Path dir) {
    String good = dir.resolve("access.log").toString();
    assertThat(valid(BASE + "access_log:\n  path: \"" + good + "\"\n").config().accessLog().file())
        .contains(Path.of(good));

    String missing = dir.resolve("nope").resolve("access.log").toString();
    assertThat(errors(BASE + "access_log:\n  path: \"" + missing + "\"\n")).containsExactly(
        "test.yaml:10:9: access_log.path: directory '" + dir.resolve("nope")
            + "' does not exist (expected: the log file's directory to exist)");
    assertThat(errors(BASE + "access_log:\n  path: \"" + dir + "\"\n")).containsExactly(
        "test.yaml:10:9: access_log.path: '" + dir
            + "' is a directory (expected: a file path or \"stdout\")");
    // A disabled log is not opened, so its path does not matter.
    valid(BASE + "access_log:\n  enabled: false\n  path: \"" + missing + "\"\n");
  }

  @Test
  void loadReadsFilesAndNamesThemInErrors(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("ballast.yaml");
    Files.writeString(file, BASE.replace("weight", "x") + "    algorithm: fastest\n");
    assertThat(ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigResult.Invalid.class,
        invalid -> assertThat(invalid.errors()).extracting(ConfigError::toString).containsExactly(
            file + ":9:16: pools[0].algorithm: unknown algorithm 'fastest' (expected: one of "
                + Algorithm.configNames() + ")"));

    assertThat(ConfigLoader.load(dir.resolve("missing.yaml"))).isInstanceOfSatisfying(
        ConfigResult.Invalid.class, invalid -> assertThat(invalid.errors()).extracting(ConfigError::toString)
            .containsExactly(dir.resolve("missing.yaml") + ":1:1: file not found"));

    Path latin1 = dir.resolve("latin1.yaml");
    Files.write(latin1, new byte[] {'a', ':', ' ', (byte) 0xE9, '\n'});
    assertThat(ConfigLoader.load(latin1)).isInstanceOfSatisfying(ConfigResult.Invalid.class,
        invalid -> assertThat(invalid.errors()).extracting(ConfigError::message)
            .containsExactly("the file is not UTF-8 text"));
  }

  @Test
  void orElseThrowListsEveryError() {
    ConfigResult result = ConfigLoader.parse(BASE + "    retries:\n      max_attempts: 0\n    extra: 1\n", "x.yaml");
    assertThatThrownBy(result::orElseThrow)
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage("2 errors in config:\n"
            + "x.yaml:10:21: pools[0].retries.max_attempts: 0 (expected: 1..10)\n"
            + "x.yaml:11:5: pools[0].extra: unknown field 'extra' (expected one of: name, algorithm,"
            + " least_request, peak_ewma, least_connections_response_time, ring_hash, maglev,"
            + " bounded_load_hash, hash_key, backends, retries, circuit_breaker, health_check,"
            + " health_checks, passive_down_time, panic_threshold, slow_start, outlier_detection,"
            + " weight_control, signals, zones, affinity, tls, protocol,"
            + " max_streams_per_connection, proxy_protocol, shedding)");
  }
}
