package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.proxy.discovery.Dnsmasq;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.metrics.PromText;
import io.ballast.server.testing.Calls;
import io.ballast.server.testing.TestBackend;
import io.ballast.server.testing.TestBackends;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DNS discovery end to end: a real ballast resolving its pools' members from a real DNS server
 * (dnsmasq from Debian, started on a free loopback port), whose records change while clients
 * send requests: members appear and disappear with no failed request, SRV records give ports
 * and weights, a failing resolver keeps the last good set, and a name that does not resolve at
 * start joins when it does.
 */
class DnsDiscoveryEndToEndTest {
  private static final String NAME = "api." + Dnsmasq.DOMAIN;
  @AutoClose
  final TestBackends backends = new TestBackends();
  private final Calls calls = new Calls(null);
  @TempDir Path dir;
  private Dnsmasq dns;
  private Ballast ballast;

  @BeforeAll
  static void dnsmasqInstalled() {
    Dnsmasq.assumeInstalled();
  }

  @AfterEach
  void stop() {
    if (ballast != null) {
      ballast.stop();
    }
    if (dns != null) {
      dns.close();
    }
  }

  /** Backends on 127.0.0.2 and 127.0.0.3 at one port: what one DNS name with a port names. */
  private List<TestBackend> sameport() throws Exception {
    for (int attempt = 0; ; attempt++) {
      TestBackend first = backends.start("two", "127.0.0.2", 0);
      try {
        TestBackend second = backends.start("three", "127.0.0.3", first.port());
        return List.of(first, second);
      } catch (java.net.BindException e) {
        if (attempt > 5) {
          throw e;
        }
      }
    }
  }

  private void boot(String pool, String extra) throws Exception {
    Path file = dir.resolve("ballast.yaml");
    Files.writeString(file, """
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            pool: app
        pools:
          - name: app
        %s
        discovery:
          dns:
            nameservers: ["127.0.0.1:%d"]
            min_refresh: 100ms
            max_refresh: 1s
            timeout: 500ms
        admin:
          bind: "127.0.0.1:0"
        access_log:
          enabled: false
        %s""".formatted(pool.indent(4).stripTrailing(), dns.port(), extra));
    ballast = Ballast.start(ConfigLoader.load(file).orElseThrow(), 1, file);
    calls.to(ballast);
  }

  private HttpResponse<String> get() throws Exception {
    return calls.get("/");
  }

  private List<String> members() {
    return ballast.pools().get("app").backends().stream().map(Backend::name).sorted().toList();
  }

  private PromText metrics() throws Exception {
    return calls.metrics();
  }

  @Test
  void membersFollowTheRecordsUnderLoadWithNoFailedRequest() throws Exception {
    List<TestBackend> bs = sameport();
    int port = bs.get(0).port();
    dns = Dnsmasq.start(dir.resolve("dns"), 1);
    dns.hosts("api", "127.0.0.2 " + NAME);
    boot("""
        algorithm: round-robin
        backends:
          - dns: %s
            port: %d
        """.formatted(NAME, port), "");
    // Start waited for the first answer; but dnsmasq picks a new hosts file up by inotify, on its
    // own time, so that answer may have come before it read the file (empty, once in a full run
    // on a busy machine): the member is there within the re-resolution.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(members()).containsExactly(NAME + "/127.0.0.2:" + port));
    assertThat(get().body()).isEqualTo("two");

    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    List<Thread> load = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      Thread th = new Thread(() -> {
        while (running.get()) {
          try {
            HttpResponse<String> r = get();
            if (r.statusCode() == 200) {
              ok.incrementAndGet();
            } else {
              failures.add(r.statusCode() + " " + r.body());
            }
          } catch (Exception e) {
            failures.add(e.toString());
          }
        }
      });
      th.start();
      load.add(th);
    }
    try {
      dns.hosts("api", "127.0.0.2 " + NAME, "127.0.0.3 " + NAME);
      await().atMost(Duration.ofSeconds(10)).until(() -> members().size() == 2);
      await().atMost(Duration.ofSeconds(5)).until(() -> bs.get(1).requests() > 10);
      dns.hosts("api", "127.0.0.3 " + NAME);
      await().atMost(Duration.ofSeconds(10))
          .until(() -> members().equals(List.of(NAME + "/127.0.0.3:" + port)));
      int before = bs.get(0).requests();
      Thread.sleep(500);
      assertThat(bs.get(0).requests()).isLessThanOrEqualTo(before + 3);
    } finally {
      running.set(false);
      for (Thread th : load) {
        th.join(10_000);
      }
    }
    assertThat(failures).isEmpty();
    assertThat(ok.get()).isGreaterThan(100);
    assertThat(metrics().get("lb_discovery_members",
        Map.of("pool", "app", "name", NAME + ":" + port))).isEqualTo(1.0);
    assertThat(ballast.decisionLog().snapshot().stream()
        .filter(d -> d.message().contains("dns " + NAME))).isNotEmpty();
  }

  @Test
  void aFailingResolverKeepsTheLastMembersAndANameMissingAtStartJoinsLater() throws Exception {
    List<TestBackend> bs = sameport();
    int port = bs.get(0).port();
    TestBackend fixed = backends.start("fixed");
    dns = Dnsmasq.start(dir.resolve("dns"), 1);
    dns.hosts("api", "127.0.0.2 " + NAME);
    String late = "late." + Dnsmasq.DOMAIN;
    boot("""
        algorithm: round-robin
        backends:
          - {name: fixed, address: "%s"}
          - dns: %s
            port: %d
          - dns: %s
            port: %d
        """.formatted(fixed.address(), NAME, port, late, port), "");
    // The late name does not exist yet: ballast runs with what resolves.
    assertThat(members()).containsExactly(NAME + "/127.0.0.2:" + port, "fixed");
    assertThat(calls.bodies(10)).containsExactlyInAnyOrder("two", "fixed");

    dns.stop();
    await().atMost(Duration.ofSeconds(10)).until(() -> metrics().get("lb_discovery_failures_total",
        Map.of("pool", "app", "name", NAME + ":" + port, "reason", "timeout")) > 0);
    assertThat(members()).containsExactly(NAME + "/127.0.0.2:" + port, "fixed");
    assertThat(calls.bodies(10)).containsExactlyInAnyOrder("two", "fixed");

    dns.restart();
    dns.hosts("late", "127.0.0.3 " + late);
    await().atMost(Duration.ofSeconds(10)).until(() -> members().size() == 3);
    assertThat(members()).contains(late + "/127.0.0.3:" + port);
    await().atMost(Duration.ofSeconds(5)).until(() -> calls.bodies(12).contains("three"));
  }

  @Test
  void srvRecordsGiveTargetsPortsAndWeights() throws Exception {
    TestBackend heavy = backends.start("heavy");
    TestBackend light = backends.start("light");
    String svc = "_http._tcp.svc." + Dnsmasq.DOMAIN;
    dns = Dnsmasq.start(dir.resolve("dns"), 1,
        "--srv-host=" + svc + ",heavy." + Dnsmasq.DOMAIN + "," + heavy.port() + ",0,60",
        "--srv-host=" + svc + ",light." + Dnsmasq.DOMAIN + "," + light.port() + ",0,20");
    dns.hosts("targets", "127.0.0.1 heavy." + Dnsmasq.DOMAIN,
        "127.0.0.1 light." + Dnsmasq.DOMAIN);
    boot("""
        algorithm: weighted-round-robin
        backends:
          - srv: %s
        """.formatted(svc), "");
    LoadBalancer pool = ballast.pools().get("app");
    await().atMost(Duration.ofSeconds(10)).until(() -> pool.backends().size() == 2);
    assertThat(pool.backends().stream().mapToInt(Backend::weight).sorted().toArray())
        .containsExactly(85, 256);
    Map<String, Integer> seen = new java.util.HashMap<>();
    for (int i = 0; i < 80; i++) {
      seen.merge(get().body(), 1, Integer::sum);
    }
    assertThat(seen.get("heavy")).isBetween(55, 65);
    assertThat(seen.get("light")).isBetween(15, 25);
  }
}
