package io.ballast.server.config;

import static io.ballast.server.config.ConfigLoaderTest.errors;
import static io.ballast.server.config.ConfigLoaderTest.valid;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A {@code mode: tcp} listener's {@code sni} block (TLS passthrough routed by server name): its
 * values, and each mistake as an error that names the field at its line.
 */
class SniConfigTest {
  /**
   * Lines 1-4: a tcp listener; 5-10: its sni block, whose routes are {@code routes} (from line
   * 6); then three pools: api, web, and rings (hashing on a header, which tcp cannot).
   */
  private static String listener(String routes, String rest) {
    return """
        listeners:
          - name: tls-in
            mode: tcp
            bind: "127.0.0.1:8443"
            sni:
        """ + routes + rest + """
        pools:
          - name: api
            backends: [{address: "127.0.0.1:9001"}]
          - name: web
            backends: [{address: "127.0.0.1:9002"}]
          - name: rings
            algorithm: ring-hash
            hash_key: {source: header, name: X-User}
            backends: [{address: "127.0.0.1:9003"}]
        """;
  }

  private static final String ROUTES = """
            routes:
              - {server_names: [api.example.com, "*.api.example.com"], pool: api}
              - {server_names: ["*.example.com"], pool: web}
      """;

  @Test
  void routesDefaultAndTimeoutAreRead() {
    ListenerConfig l = valid(listener(ROUTES, """
              default_pool: web
              client_hello_timeout: 2s
            timeouts: {connect: 1s}
        """)).config().listeners().get(0);
    assertThat(l.isTcp()).isTrue();
    assertThat(l.tcpPool()).isNull();
    assertThat(l.routes()).isEmpty();
    SniConfig sni = l.tcp().sni().orElseThrow();
    assertThat(sni.routes()).containsExactly(
        new SniConfig.Route(List.of("api.example.com", "*.api.example.com"), "api"),
        new SniConfig.Route(List.of("*.example.com"), "web"));
    assertThat(sni.defaultPool()).contains("web");
    assertThat(sni.clientHelloTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(l.tcp().connectTimeout()).contains(Duration.ofSeconds(1));
    assertThat(l.pools()).containsExactly("api", "web");

    SniConfig plain = valid(listener(ROUTES, "")).config().listeners().get(0).tcp().sni()
        .orElseThrow();
    assertThat(plain.defaultPool()).isEqualTo(Optional.empty());
    assertThat(plain.clientHelloTimeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void aPoolThatIsNotThereOrCannotServeTcpIsAnErrorAtItsLine() {
    assertThat(errors(listener("""
            routes:
              - {server_names: [a.example.com], pool: apii}
      """, ""))).singleElement().asString().contains("test.yaml:7:",
            "listeners[0].sni.routes[0].pool", "no pool named 'apii'");
    assertThat(errors(listener(ROUTES, "      default_pool: nope\n"))).singleElement()
        .asString().contains("test.yaml:9:", "listeners[0].sni.default_pool",
            "no pool named 'nope'");
    assertThat(errors(listener("""
            routes:
              - {server_names: [a.example.com], pool: rings}
      """, ""))).singleElement().asString().contains("test.yaml:7:",
            "listeners[0].sni.routes[0].pool", "pool 'rings' hashes on a request's header");
    assertThat(errors(listener(ROUTES, "      default_pool: rings\n"))).singleElement()
        .asString().contains("test.yaml:9:", "listeners[0].sni.default_pool",
            "pool 'rings' hashes on a request's header");
  }

  @Test
  void badNamesAreErrorsAtTheirLine() {
    assertThat(errors(listener("""
            routes:
              - {server_names: ["a.*.example.com"], pool: api}
      """, ""))).singleElement().asString().contains("test.yaml:7:",
            "listeners[0].sni.routes[0].server_names[0]",
            "(expected: a host name such as api.example.com or *.example.com)");
    assertThat(errors(listener("""
            routes:
              - {server_names: [], pool: api}
      """, ""))).singleElement().asString().contains("test.yaml:7:",
            "listeners[0].sni.routes[0].server_names", "an empty list");
    assertThat(errors(listener("""
            routes:
              - {server_names: ["*"], pool: api}
      """, ""))).singleElement().asString().contains("server_names[0]");
    assertThat(errors(listener("""
            routes:
              - {pool: api}
      """, ""))).singleElement().asString().contains("test.yaml:7:",
            "listeners[0].sni.routes[0].server_names", "required field is missing");
    assertThat(errors(listener("            routes: []\n", ""))).singleElement().asString()
        .contains("test.yaml:6:", "listeners[0].sni.routes", "an empty list");
  }

  @Test
  void aNameInTwoRoutesIsAnErrorAtTheSecond() {
    assertThat(errors(listener("""
            routes:
              - {server_names: [api.example.com], pool: api}
              - {server_names: [www.example.com, API.Example.com], pool: web}
      """, ""))).singleElement().asString().contains("test.yaml:8:",
            "listeners[0].sni.routes[1].server_names",
            "'API.Example.com' is listed already (first at ",
            "expected: each name in one route");
  }

  @Test
  void sniTakesNoPoolBesideItAndIsNoHttpListenersField() {
    assertThat(errors(listener(ROUTES, "    pool: web\n"))).singleElement().asString()
        .contains("test.yaml:9:", "listeners[0].pool", "set together with sni",
            "sni.default_pool");
    assertThat(errors(listener(ROUTES, "").replace("    mode: tcp\n", "    pool: web\n")))
        .singleElement().asString().contains("test.yaml:5:", "listeners[0].sni",
            "set on an http listener (expected: only with mode: tcp");
    assertThat(errors(listener(ROUTES, "      client_helo_timeout: 1s\n"))).singleElement()
        .asString().contains("test.yaml:9:", "listeners[0].sni.client_helo_timeout",
            "did you mean 'client_hello_timeout'?");
    assertThat(errors(listener(ROUTES, "      client_hello_timeout: 0\n"))).singleElement()
        .asString().contains("test.yaml:9:", "listeners[0].sni.client_hello_timeout",
            "(expected: a duration > 0)");
  }
}
