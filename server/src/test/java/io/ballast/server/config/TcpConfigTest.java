package io.ballast.server.config;

import static io.ballast.server.config.ConfigLoaderTest.errors;
import static io.ballast.server.config.ConfigLoaderTest.valid;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proxy.probe.SendExpect;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code mode: tcp} listeners and tcp checks that send and expect: values, and errors' lines. */
class TcpConfigTest {
  /** Lines 1-4: an HTTP listener; 5-8: a tcp listener (its extra fields from line 9). */
  private static String tcpListener(String extra) {
    return """
        listeners:
          - name: web
            bind: "127.0.0.1:8080"
            pool: api
          - name: redis
            mode: tcp
            bind: "127.0.0.1:6380"
            pool: cache
        """ + extra + """
        pools:
          - name: api
            backends:
              - address: "127.0.0.1:9001"
          - name: cache
            algorithm: least-connections
            backends:
              - address: "127.0.0.1:6379"
        """;
  }

  @Test
  void aTcpListenerTakesItsPoolAccessLimitsAndTimeouts() {
    BallastConfig c = valid(tcpListener("""
            timeouts: {connect: 500ms, idle: 5m}
            limits: {max_connections: 100, max_connections_per_client: 10}
            access: {allow: ["127.0.0.0/8"]}
        """)).config();
    ListenerConfig web = c.listeners().get(0);
    ListenerConfig redis = c.listeners().get(1);
    assertThat(web.isTcp()).isFalse();
    assertThat(redis.isTcp()).isTrue();
    assertThat(redis.tcpPool()).isEqualTo("cache");
    assertThat(redis.tcp()).isEqualTo(new TcpListenerConfig(Optional.of(Duration.ofMillis(500)),
        Duration.ofMinutes(5)));
    assertThat(redis.limits().connections().maxConnections()).isEqualTo(100);
    assertThat(redis.access()).isNotNull();
    assertThat(c.listeners().get(1).pools()).containsExactly("cache");

    ListenerConfig plain = valid(tcpListener("")).config().listeners().get(1);
    assertThat(plain.tcp()).isEqualTo(TcpListenerConfig.DEFAULTS);
    assertThat(plain.tcp().connectTimeout(Duration.ofSeconds(2))).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void whatATcpListenerCannotHaveIsAnErrorAtItsLine() {
    assertThat(errors(tcpListener("""
            routes:
              - name: all
                pool: cache
        """))).anySatisfy(e -> assertThat(e).contains("test.yaml:9:", "listeners[1].routes",
            "set on a tcp listener (expected: none; a tcp listener sends every connection to"
                + " its pool"));
    assertThat(errors(tcpListener("    limits: {max_request_body: 1MiB}\n")))
        .singleElement().asString().contains("test.yaml:9:",
            "listeners[1].limits.max_request_body", "set on a tcp listener");
    assertThat(errors(tcpListener("    timeouts: {idle: 0}\n"))).singleElement().asString()
        .contains("test.yaml:9:", "listeners[1].timeouts.idle");
    assertThat(errors(tcpListener("    timeouts: {conect: 1s}\n"))).singleElement().asString()
        .contains("test.yaml:9:", "listeners[1].timeouts.conect",
            "did you mean 'connect'?");
    assertThat(errors(tcpListener("").replace("mode: tcp", "mode: udp")))
        .singleElement().asString().contains("test.yaml:6:", "listeners[1].mode",
            "(expected: http or tcp)");
  }

  @Test
  void aTcpListenerTakesFrontBalancersAsAnHttpListenerDoes() {
    ListenerConfig redis = valid(tcpListener(
        "    proxy_protocol: {accept_from: [\"10.0.0.0/8\"], timeout: 2s}\n"))
        .config().listeners().get(1);
    assertThat(redis.proxyProtocol().timeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(redis.proxyProtocol().toString()).contains("10.0.0.0/8");
    assertThat(errors(tcpListener("    proxy_protocol: {accept_from: []}\n"))).singleElement()
        .asString().contains("test.yaml:9:", "listeners[1].proxy_protocol.accept_from",
            "an empty list");
  }

  @Test
  void anHttpListenerHasNoListenerTimeouts() {
    assertThat(errors(tcpListener("").replace("    pool: api\n",
        "    pool: api\n    timeouts: {idle: 1s}\n"))).singleElement().asString()
        .contains("test.yaml:5:", "listeners[0].timeouts", "only with mode: tcp");
  }

  @Test
  void aPoolForHttpOnlyIsRefusedAtTheListenersPool() {
    String hashed = tcpListener("").replace("    algorithm: least-connections\n",
        "    algorithm: ring-hash\n    hash_key: {source: header, name: X-User}\n");
    assertThat(errors(hashed)).singleElement().asString().contains("test.yaml:8:",
        "listeners[1].pool", "pool 'cache' hashes on a request's header");
    String byClient = tcpListener("").replace("    algorithm: least-connections\n",
        "    algorithm: maglev\n");
    assertThat(valid(byClient).config().listeners().get(1).isTcp()).isTrue();
  }

  @Test
  void aTcpCheckSendsAndExpects() {
    String yaml = tcpListener("") + """
            health_check:
              type: tcp
              send: "PING\\r\\n"
              expect: "+PONG"
        """;
    HealthCheckConfig check = valid(yaml).config().pools().get(1).healthChecks().orElseThrow()
        .levels().get(0).check();
    assertThat(check.sendExpect()).contains(new SendExpect("PING\r\n", "+PONG", false));

    HealthCheckConfig pattern = valid(tcpListener("") + """
            health_check: {type: tcp, expect_regex: "^220 "}
        """).config().pools().get(1).healthChecks().orElseThrow().levels().get(0).check();
    assertThat(pattern.sendExpect()).contains(new SendExpect("", "^220 ", true));
  }

  @Test
  void aTcpCheckThatCannotJudgeOrIsNotTcpIsAnError() {
    // The check is on line 17 (after the listeners' 8 lines and the pools' 8).
    assertThat(errors(tcpListener("") + """
            health_check: {type: tcp, send: "PING\\r\\n"}
        """)).singleElement().asString().contains("test.yaml:17:",
            "pools[1].health_check.send", "set without expect");
    assertThat(errors(tcpListener("") + """
            health_check: {type: tcp, expect: "+PONG", expect_regex: "PONG"}
        """)).singleElement().asString().contains("pools[1].health_check.expect_regex",
            "set together with expect");
    assertThat(errors(tcpListener("") + """
            health_check: {path: /health, expect: "ok"}
        """)).singleElement().asString().contains("pools[1].health_check.expect",
            "set, but type is http (expected: only with type tcp)");
    assertThat(errors(tcpListener("") + """
            health_check: {type: tcp, expect_regex: "(+PONG"}
        """)).singleElement().asString().contains("pools[1].health_check.expect_regex",
            "bad regular expression");
  }
}
