package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.testing.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Two real Redis servers behind a {@code mode: tcp} listener, checked with PING/+PONG, under
 * redis-benchmark; one is killed (SIGKILL) in the middle of a run.
 *
 * <p>redis-benchmark (7.0) exits on the first connection that ends under it, and a connection
 * whose server died mid-request ends under any TCP proxy: its bytes cannot be replayed. So the
 * load is a client that reconnects: bounded runs of {@code -k 0} (a new connection per request)
 * one after another, a run that the kill cut short is run again, and the test holds the proxy
 * to what it owes: from the kill on, no new connection reaches the dead server (the refused
 * connect goes on to the other one, the check takes it out), only the run in progress at the
 * kill may fail, and the planned runs all complete.
 */
class RedisEndToEndTest {
  /** Each run: 1000 SETs and 1000 GETs from 20 clients, a connection per request. */
  private static final List<String> RUN = List.of("-n", "1000", "-c", "20", "-t", "set,get",
      "-k", "0", "-q");
  /** The run r1 dies in: long enough (6000 SETs and GETs) to be killed in the middle. */
  private static final List<String> DURING = List.of("-n", "6000", "-c", "20", "-t", "set,get",
      "-k", "0", "-q");
  private static final Pattern LINE = Pattern.compile(
      "\\{\"time\":\"([^\"]+)\",\"protocol\":\"tcp\".*\"backend\":\"?([a-z0-9]+|null)\"?,");

  @TempDir Path dir;

  @Test
  void aKilledRedisGetsNoNewConnectionAndTheLoadCompletesOnTheOther() throws Exception {
    RedisServer.assumeInstalled();
    Ballast ballast = null;
    try (RedisServer r1 = RedisServer.start(dir.resolve("r1"));
        RedisServer r2 = RedisServer.start(dir.resolve("r2"))) {
      Path file = dir.resolve("ballast.yaml");
      Path log = dir.resolve("access.log");
      Files.writeString(file, """
          listeners:
            - name: redis
              mode: tcp
              bind: "127.0.0.1:0"
              pool: cache
              timeouts: {connect: 500ms, idle: 30s}
          pools:
            - name: cache
              algorithm: round-robin
              backends:
                - {name: r1, address: "127.0.0.1:%d"}
                - {name: r2, address: "127.0.0.1:%d"}
              health_check:
                type: tcp
                send: "PING\\r\\n"
                expect: "+PONG"
                interval: 300ms
                timeout: 300ms
                rise: 1
                fall: 2
          admin:
            enabled: false
          access_log:
            path: "%s"
          """.formatted(r1.port(), r2.port(), log));
      ballast = Ballast.start(ConfigLoader.load(file).orElseThrow(), 1, file);
      int port = ballast.proxyAddresses().get(0).getPort();
      LoadBalancer pool = ballast.pools().get("cache");
      Backend b1 = pool.backend("r1");
      Backend b2 = pool.backend("r2");
      await().atMost(Duration.ofSeconds(10)).until(() ->
          pool.health(b1) == HealthState.HEALTHY && pool.health(b2) == HealthState.HEALTHY);

      // Two runs with both servers up.
      for (int i = 0; i < 2; i++) {
        RedisServer.Benchmark run = bench(port, "before-" + i);
        assertThat(run.exitCode()).as(run.output()).isZero();
      }
      // A run in progress when r1 dies: killed once r1 has served 200 more of its connections.
      // On a loaded machine a run can end before r1's count got there (the check may have taken
      // r1 out for a while, or the run was quick): then another run goes on until the kill. The
      // kill happens only while a run goes on (both sides hold the lock for that).
      long servedBefore = b1.load().requests();
      AtomicReference<Instant> dead = new AtomicReference<>();
      Object lock = new Object();
      boolean[] running = {false};
      Thread killer = new Thread(() -> {
        try {
          long deadline = System.nanoTime() + 120_000_000_000L;
          while (dead.get() == null && System.nanoTime() < deadline) {
            if (b1.load().requests() >= servedBefore + 200) {
              synchronized (lock) {
                if (running[0]) {
                  r1.kill();
                  dead.set(Instant.now());
                }
              }
            }
            Thread.sleep(2);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      killer.start();
      RedisServer.Benchmark cut;
      Instant runEnded;
      int runs = 0;
      do {
        synchronized (lock) {
          running[0] = true;
        }
        cut = RedisServer.benchmark(port, DURING,
            dir.resolve("bench-during-" + runs + ".out"), Duration.ofSeconds(60));
        synchronized (lock) {
          running[0] = false;
          runEnded = Instant.now();
        }
        runs++;
        if (dead.get() == null) {
          assertThat(cut.exitCode()).as("a run with both servers up: " + cut.output()).isZero();
        }
      } while (dead.get() == null && runs < 5);
      killer.interrupt();
      killer.join();
      assertThat(dead.get()).as("r1 killed while one of " + runs + " runs went on").isNotNull()
          .isBefore(runEnded);
      assertThat(r1.alive()).isFalse();
      LoggerFactory.getLogger(RedisEndToEndTest.class).info("the run r1 died in exited {}: {}",
          cut.exitCode(), lastLine(cut.output()));
      // The log's times are whole milliseconds of the accept: one more of slack.
      Instant killed = dead.get().plusMillis(1);
      // The check takes r1 out; until then a refused connect goes on to r2.
      await().atMost(Duration.ofSeconds(5)).until(() -> !pool.available(b1));
      // The planned runs complete: the one the kill cut short runs again, then two more.
      int again = cut.exitCode() == 0 ? 0 : 1;
      for (int i = 0; i < 2 + again; i++) {
        RedisServer.Benchmark run = bench(port, "after-" + i);
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("SET:", "GET:");
      }

      // The connection log: every connection relayed to r1 began before the kill (with the
      // clock's millisecond and the kill's own time as slack); r2 took every one after it.
      ballast.stop();
      ballast = null;
      List<Instant> toR1 = new ArrayList<>();
      int afterToR2 = 0;
      for (String line : Files.readAllLines(log)) {
        Matcher m = LINE.matcher(line);
        if (!m.find()) {
          continue;
        }
        Instant at = Instant.parse(m.group(1));
        if (m.group(2).equals("r1")) {
          toR1.add(at);
        } else if (m.group(2).equals("r2") && at.isAfter(killed)) {
          afterToR2++;
        }
      }
      assertThat(toR1).isNotEmpty().allSatisfy(at -> assertThat(at).isBefore(killed));
      assertThat(afterToR2).isGreaterThanOrEqualTo(2 * 2 * 1000);
    } finally {
      if (ballast != null) {
        ballast.stop();
      }
    }
  }

  private static String lastLine(String output) {
    String[] lines = output.strip().split("[\r\n]+");
    return lines.length == 0 ? "" : lines[lines.length - 1].strip();
  }

  private RedisServer.Benchmark bench(int port, String name) throws Exception {
    return RedisServer.benchmark(port, RUN, dir.resolve("bench-" + name + ".out"),
        Duration.ofSeconds(60));
  }
}
