package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.pool.LoadBalancer;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.testing.Calls;
import io.ballast.server.testing.TestBackend;
import io.ballast.server.testing.TestBackends;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backends added and removed through the admin API of a real ballast, with real backends: the
 * change serves at once, is a decision, refuses bad input clearly, lets the last backend go
 * (the pool then answers 503 with Retry-After), and lasts until the next reload.
 */
class AdminMembershipEndToEndTest {
  private static final String TOKEN = "admin-membership-token-0123456789";
  @AutoClose
  final TestBackends backends = new TestBackends();
  private final Calls calls = new Calls(TOKEN);
  @TempDir Path dir;
  private Ballast ballast;

  @AfterEach
  void stop() {
    if (ballast != null) {
      ballast.stop();
    }
  }

  private String config(TestBackend first) {
    return """
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            pool: app
        pools:
          - name: app
            algorithm: round-robin
            backends:
              - {name: a, address: "%s"}
            health_check: {path: /health, interval: 200ms, timeout: 200ms, rise: 2, fall: 1}
        admin:
          bind: "127.0.0.1:0"
          token: "%s"
        access_log:
          enabled: false
        """.formatted(first.address(), TOKEN);
  }

  private HttpResponse<String> admin(String method, String path, String body, boolean token)
      throws Exception {
    return calls.admin(method, path, body, token);
  }

  private HttpResponse<String> get() throws Exception {
    return calls.get("/");
  }

  @Test
  void backendsJoinAndLeaveThroughTheAdminApiUntilTheNextReload() throws Exception {
    TestBackend a = backends.start("a");
    TestBackend b = backends.start("b");
    Path file = dir.resolve("ballast.yaml");
    Files.writeString(file, config(a));
    ballast = Ballast.start(ConfigLoader.load(file).orElseThrow(), 1, file);
    calls.to(ballast);
    LoadBalancer pool = ballast.pools().get("app");

    HttpResponse<String> added = admin("POST", "/admin/pools/app/backends",
        "{\"name\":\"b\",\"address\":\"" + b.address() + "\",\"weight\":2}", true);
    assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
    assertThat(added.body()).contains("\"backend\":\"b\"", "until the next reload or restart");
    // With active checks, a new backend serves once its first check passed.
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.available(pool.backend("b")));
    assertThat(calls.bodies(20)).containsExactlyInAnyOrder("a", "b");
    assertThat(admin("GET", "/admin/decisions?pool=app", null, false).body())
        .contains("\"kind\":\"membership\"", "joins at " + b.address(), "admin API");

    // Refusals say what is wrong and change nothing.
    assertThat(admin("POST", "/admin/pools/app/backends",
        "{\"name\":\"b\",\"address\":\"" + b.address() + "\"}", true).statusCode())
        .isEqualTo(409);
    HttpResponse<String> badWeight = admin("POST", "/admin/pools/app/backends",
        "{\"name\":\"c\",\"address\":\"127.0.0.1:9\",\"weight\":0}", true);
    assertThat(badWeight.statusCode()).isEqualTo(400);
    assertThat(badWeight.body()).contains("weight: 0 (expected: 1..256)");
    HttpResponse<String> noAddress = admin("POST", "/admin/pools/app/backends",
        "{\"name\":\"c\"}", true);
    assertThat(noAddress.statusCode()).isEqualTo(400);
    assertThat(noAddress.body()).contains("address: missing");
    assertThat(admin("POST", "/admin/pools/app/backends", "{\"name\":\"c\",\"addr\":1}", true)
        .body()).contains("addr: unknown field");
    assertThat(admin("POST", "/admin/pools/nope/backends",
        "{\"name\":\"c\",\"address\":\"127.0.0.1:9\"}", true).statusCode()).isEqualTo(404);
    assertThat(admin("POST", "/admin/pools/app/backends",
        "{\"name\":\"c\",\"address\":\"127.0.0.1:9\"}", false).statusCode()).isEqualTo(401);
    assertThat(admin("DELETE", "/admin/pools/app/backends/zz", null, true).statusCode())
        .isEqualTo(404);
    assertThat(pool.backends()).hasSize(2);

    // Removing drains: no new request reaches a.
    HttpResponse<String> removed = admin("DELETE", "/admin/pools/app/backends/a", null, true);
    assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
    assertThat(removed.body()).contains("\"removed\":true", "\"backends_left\":1");
    assertThat(calls.bodies(10)).containsExactly("b");

    // The last one too: the pool answers 503 with Retry-After until one is added.
    HttpResponse<String> last = admin("DELETE", "/admin/pools/app/backends/b", null, true);
    assertThat(last.body()).contains("\"backends_left\":0",
        "the pool has no backend now: it answers 503 until one is added");
    HttpResponse<String> empty = get();
    assertThat(empty.statusCode()).isEqualTo(503);
    assertThat(empty.headers().firstValue("retry-after")).isPresent();
    assertThat(admin("POST", "/admin/pools/app/backends",
        "{\"name\":\"a2\",\"address\":\"" + a.address() + "\"}", true).statusCode())
        .isEqualTo(201);
    await().atMost(Duration.ofSeconds(5)).until(() -> get().statusCode() == 200);

    // A reload makes the pool what the file says again.
    Files.writeString(file, config(a).replace("{name: a,", "{name: a1,"));
    assertThat(admin("POST", "/admin/reload", null, true).statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(5))
        .until(() -> pool.backends().stream().map(x -> x.name()).toList().equals(
            java.util.List.of("a1")) && pool.available(pool.backend("a1")));
    assertThat(calls.bodies(5)).containsExactly("a");
  }
}
