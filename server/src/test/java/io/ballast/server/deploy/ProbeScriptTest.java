package io.ballast.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.server.Ballast;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.testing.TestBackend;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * deploy/docker/ballast-probe, the container's HEALTHCHECK and the Kubernetes probes, run by bash
 * against a real ballast: 200 is a pass, anything else (503 while draining, a refused connection)
 * a failure.
 */
class ProbeScriptTest {
  private static final Path PROBE = Tools.ROOT.resolve("deploy/docker/ballast-probe");

  private TestBackend backend;
  private Ballast ballast;

  @AfterEach
  void tearDown() {
    if (ballast != null) {
      ballast.stop();
    }
    if (backend != null) {
      backend.close();
    }
  }

  private static Tools.Result probe(String adminAddress, String path) throws Exception {
    return Tools.run(Tools.ROOT, Map.of("BALLAST_ADMIN_ADDR", adminAddress),
        List.of("bash", PROBE.toString(), path));
  }

  @Test
  void passesOnHealthAndReadinessFailsWhileDrainingAndWhenNothingListens() throws Exception {
    backend = new TestBackend("b1");
    ballast = Ballast.start(ConfigLoader.parse("""
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            pool: app
        pools:
          - name: app
            backends:
              - address: "%s"
        timeouts:
          drain: 10s
        admin:
          bind: "127.0.0.1:0"
        """.formatted(backend.address()), "probe.yaml").orElseThrow(), 1);
    String admin = "127.0.0.1:" + ballast.adminAddress().getPort();

    assertThat(probe(admin, "/healthz")).isEqualTo(new Tools.Result(0, ""));
    assertThat(probe(admin, "/readyz")).isEqualTo(new Tools.Result(0, ""));
    Tools.Result missing = probe(admin, "/nothing-here");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.output()).contains("404");

    // A request in flight keeps the drain going: readiness fails, liveness still passes.
    // HTTP/1.1: over HTTP/2 (the client's default, by h2c upgrade) the drain's GOAWAY makes
    // JDK 17's HttpClient fail the request (JDK 25's lets it finish), which would end the drain.
    int port = ballast.proxyAddresses().get(0).getPort();
    CompletableFuture<HttpResponse<String>> slow = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1).build().sendAsync(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/slow?ms=3000")).build(),
        HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(10)).until(() -> ballast.proxy().activeRequests() > 0);
    Ballast draining = ballast;
    Thread stopper = new Thread(draining::stop, "test-stop");
    stopper.start();
    await().atMost(Duration.ofSeconds(5)).until(draining::stopping);
    Tools.Result notReady = probe(admin, "/readyz");
    assertThat(notReady.exit()).as(notReady.output()).isEqualTo(1);
    assertThat(notReady.output()).contains("503");
    assertThat(probe(admin, "/healthz").exit()).isZero();
    assertThat(slow.get().statusCode()).isEqualTo(200);
    stopper.join(15_000);

    // Stopped: nothing listens.
    Tools.Result refused = probe(admin, "/healthz");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.output()).contains("cannot connect");
  }

  @Test
  void timesOutOnAListenerThatNeverAnswers() throws Exception {
    try (ServerSocket silent = new ServerSocket(0)) {
      long start = System.nanoTime();
      Tools.Result r = Tools.run(Tools.ROOT,
          Map.of("BALLAST_ADMIN_ADDR", "127.0.0.1:" + silent.getLocalPort(),
              "BALLAST_PROBE_TIMEOUT", "1"),
          List.of("bash", PROBE.toString(), "/healthz"));
      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.output()).contains("no answer");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
  }

  @Test
  void shellcheckFindsNothing() throws Exception {
    Path shellcheck = Tools.debian("shellcheck", "shellcheck");
    Tools.Result r = Tools.run(List.of(shellcheck.toString(), PROBE.toString()));
    assertThat(r.exit()).as(r.output()).isZero();
  }
}
