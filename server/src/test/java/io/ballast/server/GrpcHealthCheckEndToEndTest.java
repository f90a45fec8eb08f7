package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import io.ballast.core.health.CheckRecord;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.proxy.tls.TestCertificates;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.testing.Calls;
import io.ballast.server.testing.GrpcEcho;
import io.ballast.server.testing.GrpcTestServer;
import io.ballast.server.testing.TestBackend;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code health_check: {type: grpc}} through the real balancer, from its YAML to the admin API's
 * view: one pool per kind of backend (a serving grpc-java server, one asked about a service it
 * does not know, one without the health service, a TLS one, an HTTP/1.1 server, a stopped one),
 * each backend's verdict and the reason its checks show.
 */
class GrpcHealthCheckEndToEndTest {
  private static final String CHECK = "interval: 250ms, timeout: 250ms, rise: 1";
  private static final String CHECK_CALLS = "grpc.health.v1.Health/Check";
  @TempDir Path dir;
  private GrpcTestServer serving;
  private GrpcTestServer bare;
  private GrpcTestServer tls;
  private TestBackend http1;
  private Ballast ballast;
  private final Calls calls = new Calls(null);

  @BeforeEach
  void start() throws Exception {
    TestCertificates certs = new TestCertificates(dir);
    TestCertificates.Pair pair = certs.rsaServer("grpc", "grpc.test", "127.0.0.1");
    serving = GrpcTestServer.start("serving");
    bare = GrpcTestServer.builder("bare").withoutHealth().start();
    tls = GrpcTestServer.builder("tls").tls(pair.cert(), pair.key()).start();
    http1 = new TestBackend("http1");
    GrpcTestServer gone = GrpcTestServer.start("gone");
    int stoppedPort = gone.port();
    gone.close();

    String yaml = """
        listeners:
          - {name: a, bind: "127.0.0.1:0", pool: serving}
          - {name: b, bind: "127.0.0.1:0", pool: unknown}
          - {name: c, bind: "127.0.0.1:0", pool: bare}
          - {name: d, bind: "127.0.0.1:0", pool: tls}
          - {name: e, bind: "127.0.0.1:0", pool: http1}
          - {name: f, bind: "127.0.0.1:0", pool: stopped}
        pools:
          - name: serving
            backends: [{name: s, address: "%s"}]
            health_check: {type: grpc, service: %s, %s, fall: 3}
          - name: unknown
            backends: [{name: u, address: "%s"}]
            health_check: {type: grpc, service: no.such.Service, %s, fall: 1}
          - name: bare
            backends: [{name: n, address: "%s"}]
            health_check: {type: grpc, %s, fall: 1}
          - name: tls
            backends: [{name: t, address: "%s"}]
            tls: {ca: ca.pem}
            health_check: {type: grpc, service: %s, %s, fall: 1}
          - name: http1
            backends: [{name: h, address: "%s"}]
            health_check: {type: grpc, %s, fall: 1}
          - name: stopped
            backends: [{name: x, address: "127.0.0.1:%d"}]
            health_check: {type: grpc, %s, fall: 1}
        admin: {bind: "127.0.0.1:0"}
        access_log: {enabled: false}
        """.formatted(serving.address(), GrpcEcho.SERVICE, CHECK, serving.address(), CHECK,
        bare.address(), CHECK, tls.address(), GrpcEcho.SERVICE, CHECK, http1.address(), CHECK,
        stoppedPort, CHECK);
    Path file = dir.resolve("ballast.yaml");
    Files.writeString(file, yaml);
    ballast = Ballast.start(ConfigLoader.load(file).orElseThrow(), 1, file);
    calls.to(ballast);
  }

  @AfterEach
  void stop() {
    if (ballast != null) {
      ballast.stop();
    }
    for (AutoCloseable c : new AutoCloseable[] {serving, bare, tls, http1}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // Closing the others matters more.
      }
    }
  }

  private LoadBalancer pool(String name) {
    return ballast.pools().get(name);
  }

  private Backend backend(String pool) {
    return pool(pool).backends().get(0);
  }

  /** Waits for the pool's backend to be {@code state} with {@code detail} as its last result. */
  private void awaitVerdict(String pool, HealthState state, String detail) {
    Backend b = backend(pool);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(pool(pool).health(b)).as(pool).isEqualTo(state);
      CheckRecord last = pool(pool).levels(b).get(0).last();
      assertThat(last).as(pool).isNotNull();
      assertThat(last.detail()).as(pool).isEqualTo(detail);
    });
  }

  @Test
  void eachBackendsVerdictAndReasonShowInTheAdminView() throws Exception {
    awaitVerdict("serving", HealthState.HEALTHY, "SERVING");
    awaitVerdict("tls", HealthState.HEALTHY, "SERVING");
    awaitVerdict("unknown", HealthState.UNHEALTHY,
        "grpc status 5 NOT_FOUND (unknown service \"no.such.Service\")");
    awaitVerdict("bare", HealthState.UNHEALTHY, "grpc status 12 UNIMPLEMENTED (no health service)");
    awaitVerdict("http1", HealthState.UNHEALTHY, "backend speaks HTTP/1.1, not HTTP/2");
    awaitVerdict("stopped", HealthState.UNHEALTHY, "connect refused");

    String view = calls.admin("GET", "/admin/backends", null, false).body();
    assertThat(view)
        .contains("\"detail\":\"SERVING\"")
        .contains("\"detail\":\"grpc status 5 NOT_FOUND"
            + " (unknown service \\\"no.such.Service\\\")\"")
        .contains("\"detail\":\"grpc status 12 UNIMPLEMENTED (no health service)\"")
        .contains("\"detail\":\"backend speaks HTTP/1.1, not HTTP/2\"")
        .contains("\"detail\":\"connect refused\"");
    // The probes call the health service, nothing else.
    assertThat(serving.calls(CHECK_CALLS)).isPositive();
    assertThat(serving.calls(GrpcEcho.UNARY.getFullMethodName())).isZero();
  }

  @Test
  void notServingTakesTheBackendOutAfterFallProbesAndServingBringsItBack() throws Exception {
    awaitVerdict("serving", HealthState.HEALTHY, "SERVING");
    int before = serving.calls(CHECK_CALLS);
    serving.health(GrpcEcho.SERVICE, ServingStatus.NOT_SERVING);
    awaitVerdict("serving", HealthState.UNHEALTHY, "NOT_SERVING");
    // fall: 3 failing probes in a row, each one call.
    assertThat(serving.calls(CHECK_CALLS) - before).isGreaterThanOrEqualTo(3);
    List<CheckRecord> history = pool("serving").levels(backend("serving")).get(0).history();
    assertThat(history.subList(history.size() - 3, history.size()))
        .allMatch(r -> !r.passed() && r.detail().equals("NOT_SERVING"));
    assertThat(calls.admin("GET", "/admin/backends", null, false).body())
        .contains("\"health\":\"unhealthy\"")
        .contains("\"detail\":\"NOT_SERVING\"");

    serving.health(GrpcEcho.SERVICE, ServingStatus.SERVING);
    awaitVerdict("serving", HealthState.HEALTHY, "SERVING");
  }

  @Test
  void aBackendThatStopsFailsItsChecksAsRefused() throws Exception {
    awaitVerdict("serving", HealthState.HEALTHY, "SERVING");
    serving.close();
    awaitVerdict("serving", HealthState.UNHEALTHY, "connect refused");
  }
}
