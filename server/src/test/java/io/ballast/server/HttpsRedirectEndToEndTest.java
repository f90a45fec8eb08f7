package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.server.reload.ReloadResult;
import io.ballast.server.testing.Calls;
import io.ballast.server.testing.TestBackend;
import io.ballast.server.testing.TestBackends;
import io.ballast.server.testing.YamlRun;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A plain listener whose routes redirect to https, wired from YAML: ACME challenges still reach
 * their pool, everything else gets the configured redirect, counted and access-logged as
 * ballast's own answer, and a reload changes or removes the redirect live.
 */
class HttpsRedirectEndToEndTest {
  private static final String TOKEN = "redirect-test-token-0123456789";
  @AutoClose
  final TestBackends backends = new TestBackends();
  private final Calls calls = new Calls(TOKEN);
  private final JsonMapper json = JsonMapper.builder().build();
  @AutoClose
  final YamlRun run = new YamlRun();
  @TempDir
  Path dir;

  /** The whole file: the acme route, then {@code lastRoute}. */
  private String config(TestBackend acme, String lastRoute) {
    return """
        listeners:
          - name: plain
            bind: "127.0.0.1:0"
            routes:
              - name: acme
                match: {path: {prefix: /.well-known/acme-challenge/}}
                pool: acme
        %s
        pools:
          - {name: acme, backends: [{address: "%s"}]}
        admin:
          bind: "127.0.0.1:0"
          token: "%s"
        access_log:
          path: "%s"
        """.formatted(lastRoute.indent(6).stripTrailing(), acme.address(), TOKEN,
            dir.resolve("access.log"));
  }

  private List<JsonNode> accessLog() throws Exception {
    Path file = dir.resolve("access.log");
    if (!Files.exists(file)) {
      return List.of();
    }
    return Files.readAllLines(file).stream().map(json::readTree).toList();
  }

  @Test
  void redirectsCountsLogsAndReloads() throws Exception {
    TestBackend acme = backends.start("acme");
    Ballast ballast = run.start(dir, config(acme, """
        - name: to-https
          https_redirect: {port: 8443, status: 308}
        """));
    calls.to(ballast);
    int port = ballast.proxyAddresses().get(0).getPort();

    HttpResponse<String> r = calls.get("/shop?item=1&q=%2F");
    assertThat(r.statusCode()).isEqualTo(308);
    assertThat(r.headers().firstValue("Location"))
        .contains("https://127.0.0.1:8443/shop?item=1&q=%2F");
    assertThat(r.headers().firstValueAsLong("Content-Length")).hasValue(0);
    assertThat(r.body()).isEmpty();
    HttpResponse<String> challenge = calls.get("/.well-known/acme-challenge/abc");
    assertThat(challenge.statusCode()).isEqualTo(200);
    assertThat(challenge.body()).isEqualTo("acme");

    // Counted just after the answer is written: wait for it rather than race it.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(calls.metrics()
        .get("lb_requests_total", Map.of("pool", "none", "backend", "none", "status", "308",
            "route", "to-https"))).isEqualTo(1));
    await().atMost(Duration.ofSeconds(10)).until(() -> accessLog().size() == 2);
    JsonNode line = accessLog().get(0);
    assertThat(line.get("status").asInt()).isEqualTo(308);
    assertThat(line.get("route").asString()).isEqualTo("to-https");
    assertThat(line.get("url").asString()).isEqualTo("/shop?item=1&q=%2F");
    assertThat(line.get("host").asString()).isEqualTo("127.0.0.1:" + port);
    assertThat(line.get("pool").isNull()).isTrue();
    assertThat(line.get("backend").isNull()).isTrue();
    assertThat(line.get("attempts").asInt()).isZero();
    assertThat(line.get("error").asString()).isEqualTo("https redirect by route to-https");

    // A reload changes the redirect live: status 301 and port 443, which the URL leaves out.
    ReloadResult changed = run.reload(config(acme, """
        - name: to-https
          https_redirect: true
        """));
    assertThat(changed).isInstanceOf(ReloadResult.Applied.class);
    assertThat(((ReloadResult.Applied) changed).changes().describe())
        .isEqualTo("listener plain: changed [to-https]");
    HttpResponse<String> after = calls.get("/shop");
    assertThat(after.statusCode()).isEqualTo(301);
    assertThat(after.headers().firstValue("Location")).contains("https://127.0.0.1/shop");

    // And turns the route back into one that proxies.
    assertThat(run.reload(config(acme, """
        - name: to-https
          pool: acme
        """))).isInstanceOf(ReloadResult.Applied.class);
    HttpResponse<String> proxied = calls.get("/shop");
    assertThat(proxied.statusCode()).isEqualTo(200);
    assertThat(proxied.body()).isEqualTo("acme");
  }

  @Test
  void aBadRedirectInAReloadIsRefusedWithItsLineAndTheRunningOneStays() throws Exception {
    TestBackend acme = backends.start("acme");
    calls.to(run.start(dir, config(acme, """
        - name: to-https
          https_redirect: true
        """)));
    Files.writeString(dir.resolve("ballast.yaml"), config(acme, """
        - name: to-https
          https_redirect: {port: 8443, status: 200}
        """));
    HttpResponse<String> refused = calls.reload();
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("\"field\":\"listeners[0].routes[1].https_redirect.status\"",
        "\"line\":9", "200 (expected: one of 301, 302, 303, 307, 308)");
    HttpResponse<String> r = calls.get("/x");
    assertThat(r.statusCode()).isEqualTo(301);
    assertThat(r.headers().firstValue("Location")).contains("https://127.0.0.1/x");
  }
}
