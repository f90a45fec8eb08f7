package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.server.reload.ReloadResult;
import io.ballast.server.testing.Calls;
import io.ballast.server.testing.TestBackend;
import io.ballast.server.testing.TestBackends;
import io.ballast.server.testing.YamlRun;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rate limits through a real ballast started from YAML, with real requests: a listener's limit
 * per client, a route's per API key, their 429 with Retry-After and the RateLimit fields, the
 * buckets kept across a reload that leaves the limit as it was.
 */
class RateLimitEndToEndTest {
  private static final String TOKEN = "ratelimit-test-token-0123456789";
  @AutoClose
  final TestBackends backends = new TestBackends();
  private final Calls calls = new Calls(TOKEN);
  @AutoClose
  final YamlRun run = new YamlRun();
  @TempDir
  Path dir;

  private String config(TestBackend app, String routeLimit) {
    return config(app, routeLimit, "");
  }

  private String config(TestBackend app, String routeLimit, String extraRoute) {
    return """
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            rate_limits:
              - {name: per-client, rate: 5/m, burst: 6}
            routes:
              - name: api
                match: {path: {prefix: /api}}
                pool: app
                rate_limits:
        %s
        %s
              - name: rest
                pool: app
        pools:
          - {name: app, backends: [{address: "%s"}]}
        admin:
          bind: "127.0.0.1:0"
          token: "%s"
        """.formatted(routeLimit.indent(10).stripTrailing(), extraRoute.indent(6).stripTrailing(),
            app.address(), TOKEN);
  }

  @Test
  void limitsAnswer429WithTheirFieldsAndSurviveAnUnchangedReload() throws Exception {
    TestBackend app = backends.start("app");
    String apiLimit = "- {name: per-key, by: header, header: X-Api-Key, rate: 1/m, burst: 2}";
    calls.to(run.start(dir, config(app, apiLimit)));

    // The route's limit: two per key, then 429; another key has its own bucket.
    assertThat(calls.get("/api/a", "X-Api-Key", "k1").statusCode()).isEqualTo(200);
    assertThat(calls.get("/api/a", "X-Api-Key", "k1").statusCode()).isEqualTo(200);
    HttpResponse<String> limited = calls.get("/api/a", "X-Api-Key", "k1");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValueAsLong("retry-after").orElseThrow())
        .isBetween(1L, 60L);
    assertThat(limited.headers().firstValue("ratelimit-policy")).hasValue("\"per-key\";q=2;w=120");
    assertThat(limited.headers().firstValue("ratelimit").orElseThrow())
        .startsWith("\"per-key\";r=0;t=");
    assertThat(calls.get("/api/a", "X-Api-Key", "k2").statusCode()).isEqualTo(200);

    // A reload that adds a route and keeps both limits as they were keeps their buckets.
    assertThat(run.reload(config(app, apiLimit,
        "- {name: extra, match: {path: {prefix: /extra}}, pool: app}")))
        .isInstanceOf(ReloadResult.Applied.class);
    assertThat(calls.get("/api/a", "X-Api-Key", "k1").statusCode()).isEqualTo(429);

    // The listener's limit: 6 per client over every route. Five requests took one of its tokens
    // (the listener's limits come first, so the route's 429s took one too).
    int ok = 0;
    int refused = 0;
    for (int i = 0; i < 5; i++) {
      int s = calls.get("/other").statusCode();
      ok += s == 200 ? 1 : 0;
      refused += s == 429 ? 1 : 0;
    }
    assertThat(ok).isEqualTo(1);
    assertThat(refused).isEqualTo(4);
    HttpResponse<String> byClient = calls.get("/other");
    assertThat(byClient.headers().firstValue("ratelimit-policy"))
        .hasValue("\"per-client\";q=6;w=72");
    assertThat(app.requests()).isEqualTo(4);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(calls.metrics().get(
        "lb_requests_total", Map.of("pool", "none", "backend", "none", "status", "429",
            "route", "rest"))).isEqualTo(5));
  }
}
