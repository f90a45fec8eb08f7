package io.ballast.server.config;

import static io.ballast.server.config.ConfigLoaderTest.errors;
import static io.ballast.server.config.ConfigLoaderTest.valid;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proxy.client.HashKey;
import io.ballast.proxy.routing.DenyRule;
import io.ballast.proxy.routing.HttpsRedirect;
import io.ballast.proxy.routing.PathMatch;
import io.ballast.proxy.routing.PathRewrite;
import io.ballast.proxy.routing.TextMatch;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RoutesConfigTest {
  /** Three pools; listener sections are appended by each test. Pools end on line 13. */
  private static final String POOLS = """
      pools:
        - name: api
          backends:
            - address: "127.0.0.1:9001"
        - name: api-v2
          backends:
            - address: "127.0.0.1:9002"
        - name: web
          backends:
            - address: "127.0.0.1:9003"
        - name: shadow
          backends:
            - address: "127.0.0.1:9004"
      listeners:
        - name: main
          bind: "127.0.0.1:8080"
          routes:
      """;

  @Test
  void readsEveryPartOfARoute() {
    BallastConfig c = valid(POOLS + """
              - name: api
                match:
                  hosts: ["API.example.com", "*.example.org"]
                  path: {prefix: /api}
                  methods: [GET, POST]
                  headers:
                    X-Env: beta
                    X-Debug: {absent: true}
                    X-Tenant: {regex: "t-[0-9]+"}
                  query:
                    v: {prefix: "2"}
                deny:
                  - {methods: [TRACE], status: 405}
                  - {path: {prefix: /api/internal}, clients: ["10.0.0.0/8"]}
                split:
                  groups:
                    - {name: stable, pool: api, weight: 95}
                    - {name: canary, pool: api-v2, weight: 5}
                  user_key: {source: header, name: X-User-Id}
                  force_header: X-Canary
                  force_cookie: canary
                  group_header: X-Ballast-Group
                retries: {max_attempts: 2}
                timeouts: {response: 5s}
                request_headers:
                  set: {X-Route: "${route}", X-Client: "${client_ip}"}
                  add: {X-Tag: "a"}
                  remove: [X-Secret]
                response_headers:
                  set: {X-Served-By: "${backend}"}
                rewrite: {strip_prefix: /api}
              - name: app
                match: {path: {exact: /app}}
                blue_green: {blue: web, green: api, active: green, group_header: X-Color}
              - name: fallback
                pool: web
                rewrite: {regex: {pattern: "^/old/(.*)$", replacement: "/new/$1"}}
                mirror: {pool: shadow, percent: 12.5, max_body: 1MiB, timeout: 2s, max_in_flight: 7}
      """).config();
    List<RouteConfig> routes = c.listeners().get(0).routes();
    assertThat(routes).extracting(RouteConfig::name).containsExactly("api", "app", "fallback");
    RouteConfig api = routes.get(0);
    assertThat(api.match().hosts()).containsExactly("api.example.com", "*.example.org");
    assertThat(api.match().path()).isEqualTo(new PathMatch.Prefix("/api"));
    assertThat(api.match().methods()).containsExactlyInAnyOrder("GET", "POST");
    assertThat(api.match().headers()).hasSize(3);
    assertThat(api.match().headers().get(0).value()).isEqualTo(new TextMatch.Exact("beta"));
    assertThat(api.match().headers().get(1).value()).isNull();
    assertThat(api.deny()).hasSize(2);
    assertThat(api.deny().get(1).status()).isEqualTo(403);
    assertThat(api.split().groups()).extracting(RouteConfig.SplitConfig.Group::pool)
        .containsExactly("api", "api-v2");
    assertThat(api.split().userKey()).isEqualTo(new HashKey.Header("X-User-Id"));
    assertThat(api.retries().orElseThrow().maxAttempts()).isEqualTo(2);
    assertThat(api.responseTimeout()).hasValue(Duration.ofSeconds(5));
    assertThat(api.requestHeaders().set()).containsOnlyKeys("X-Route", "X-Client");
    assertThat(api.rewrite()).hasValue(new PathRewrite.StripPrefix("/api"));
    RouteConfig app = routes.get(1);
    assertThat(app.split().blueGreen()).isTrue();
    assertThat(app.split().groups()).extracting(RouteConfig.SplitConfig.Group::weight)
        .containsExactly(0.0, 100.0);
    assertThat(c.listeners().get(0).pools()).containsExactly("api", "api-v2", "web");
    assertThat(routes.get(2).mirror()).hasValue(new RouteConfig.MirrorConfig("shadow", 12.5,
        1024 * 1024, Duration.ofSeconds(2), 7));
    assertThat(api.mirror()).isEmpty();
  }

  @Test
  void badRoutesAreErrorsWithFieldAndLine() {
    assertThat(errors(POOLS + """
              - name: a
                split:
                  groups:
                    - {pool: api, weight: 90}
                    - {pool: api-v2, weight: 5}
              - name: b
                pool: nope
              - name: c
                match: {path: {regex: "(unclosed"}}
                pool: web
              - name: d
                pool: web
                split: {groups: []}
              - name: e
                match: {hosts: ["bad host:80"]}
                pool: web
              - name: e
                pool: web
                request_headers: {set: {Content-Length: "1", X-B: "${backend}", X-C: "${nope}"}}
      """)).containsExactly(
        "test.yaml:21:15: listeners[0].routes[0].split.groups: weights of split a add up to 95"
            + " (expected: 100)",
        "test.yaml:24:17: listeners[0].routes[1].pool: no pool named 'nope' (expected one of:"
            + " api, api-v2, web, shadow)",
        "test.yaml:26:33: listeners[0].routes[2].match.path.regex: bad regular expression"
            + " '(unclosed': Unclosed group at index 9 (expected: a java.util.regex pattern)",
        "test.yaml:30:11: listeners[0].routes[3]: both pool and split (expected: exactly one of"
            + " pool, split, blue_green, https_redirect)",
        "test.yaml:32:27: listeners[0].routes[4].match.hosts[0]: 'bad host:80' (expected: a host"
            + " name without port, *.domain for any subdomain, or *)",
        "test.yaml:34:17: listeners[0].routes[5].name: duplicate route name 'e' (first at 31:17;"
            + " expected: unique route names within a listener)",
        "test.yaml:36:35: listeners[0].routes[5].request_headers.set.Content-Length: a framing or"
            + " connection field (expected: a header other than Content-Length, Transfer-Encoding,"
            + " Connection, Keep-Alive, TE, Trailer, Upgrade, Expect, Proxy-Connection: changing"
            + " them could smuggle requests)",
        "test.yaml:36:61: listeners[0].routes[5].request_headers.set.X-B: ${backend} in a request"
            + " header (expected: only in response_headers: the backend is not known before the"
            + " request is sent)",
        "test.yaml:36:80: listeners[0].routes[5].request_headers.set.X-C: '${nope}': unknown"
            + " variable ${nope} (expected one of: client_ip, request_id, route, group, pool,"
            + " backend)");
  }

  @Test
  void routesThatCanNeverMatchAreWarnedAbout() {
    ConfigResult.Valid v = valid(POOLS + """
              - name: everything
                pool: web
              - name: api
                match: {path: {prefix: /api}}
                pool: api
      """);
    assertThat(v.warnings()).extracting(ConfigError::toString).containsExactly(
        "test.yaml:20:11: listeners[0].routes[1]: route 'api' is unreachable: route 'everything'"
            + " at 18:11 takes every request it would (expected: the more specific route first)");
    ConfigResult.Valid shadowed = valid(POOLS + """
              - name: api
                match: {path: {prefix: /api}, hosts: ["*.example.com"]}
                pool: api
              - name: v2
                match: {path: {prefix: /api/v2}, hosts: ["a.example.com"], methods: [GET]}
                pool: api-v2
              - name: other-host
                match: {path: {prefix: /api/v2}, hosts: ["example.com"]}
                pool: api-v2
      """);
    assertThat(shadowed.warnings()).extracting(ConfigError::toString).singleElement()
        .asString().contains("route 'v2' is unreachable: route 'api'");
  }

  @Test
  void readsHttpsRedirectsAsTrueOrAMapping() {
    ConfigResult.Valid v = valid(POOLS + """
              - name: acme
                match: {path: {prefix: /.well-known/acme-challenge/}}
                pool: web
              - name: alt
                match: {hosts: ["alt.example.com"]}
                https_redirect: {port: 8443, status: 308}
              - name: off
                match: {hosts: ["off.example.com"]}
                https_redirect: false
                pool: api
              - name: half
                match: {hosts: ["half.example.com"]}
                https_redirect: {status: 307}
              - name: https
                deny: [{methods: [TRACE], status: 405}]
                https_redirect: true
      """);
    assertThat(v.warnings()).isEmpty();
    List<RouteConfig> routes = v.config().listeners().get(0).routes();
    assertThat(routes).extracting(RouteConfig::httpsRedirect).containsExactly(
        Optional.empty(), Optional.of(new HttpsRedirect(8443, 308)), Optional.empty(),
        Optional.of(new HttpsRedirect(443, 307)), Optional.of(HttpsRedirect.DEFAULT));
    RouteConfig https = routes.get(4);
    assertThat(https.pool()).isNull();
    assertThat(https.split()).isNull();
    assertThat(https.pools()).isEmpty();
    assertThat(https.deny()).singleElement().extracting(DenyRule::status).isEqualTo(405);
    assertThat(routes.get(2).pool()).isEqualTo("api");
    // Redirecting routes use no pool.
    assertThat(v.config().listeners().get(0).pools()).containsExactly("web", "api");
  }

  @Test
  void badHttpsRedirectsAreErrorsWithFieldAndLine() {
    assertThat(errors(POOLS + """
              - name: a
                https_redirect: {port: 0, status: 200}
              - name: b
                https_redirect: {port: 8443, code: 308}
              - name: c
                pool: web
                https_redirect: true
              - name: d
                https_redirect: true
                retries: {max_attempts: 2}
                request_headers: {set: {X-A: "1"}}
              - name: e
                https_redirect: "yes"
              - name: f
                https_redirect: false
              - name: g
                https_redirect: {port: 70000, status: "301"}
      """)).containsExactly(
        "test.yaml:19:34: listeners[0].routes[0].https_redirect.port: 0 (expected: 1..65535)",
        "test.yaml:19:45: listeners[0].routes[0].https_redirect.status: 200 (expected: one of"
            + " 301, 302, 303, 307, 308)",
        "test.yaml:21:40: listeners[0].routes[1].https_redirect.code: unknown field 'code'"
            + " (expected one of: port, status)",
        "test.yaml:24:11: listeners[0].routes[2]: both pool and https_redirect (expected: exactly"
            + " one of pool, split, blue_green, https_redirect)",
        "test.yaml:27:11: listeners[0].routes[3].retries: set together with https_redirect"
            + " (expected: a route that redirects has only name, match, deny and https_redirect:"
            + " it sends nothing to a pool)",
        "test.yaml:28:11: listeners[0].routes[3].request_headers: set together with"
            + " https_redirect (expected: a route that redirects has only name, match, deny and"
            + " https_redirect: it sends nothing to a pool)",
        "test.yaml:30:27: listeners[0].routes[4].https_redirect: found string 'yes' (expected:"
            + " true, false, or a mapping {port: 1..65535, status: 301|302|303|307|308})",
        "test.yaml:31:11: listeners[0].routes[5]: no destination (expected: exactly one of pool,"
            + " split, blue_green, https_redirect)",
        "test.yaml:34:34: listeners[0].routes[6].https_redirect.port: 70000 (expected:"
            + " 1..65535)",
        "test.yaml:34:49: listeners[0].routes[6].https_redirect.status: found string '301'"
            + " (expected: one of 301, 302, 303, 307, 308)");
  }

  @Test
  void poolAndRoutesTogetherIsAnError() {
    assertThat(errors(POOLS.replace("    routes:\n", "    pool: web\n    routes:\n") + """
              - name: a
                pool: web
      """)).containsExactly("test.yaml:17:5: listeners[0].pool: set together with routes"
        + " (expected: either pool, for one pool, or routes)");
  }
}
