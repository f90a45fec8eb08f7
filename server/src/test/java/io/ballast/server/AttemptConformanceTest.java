package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.Backend;
import io.ballast.core.ControlLoop;
import io.ballast.core.Rng;
import io.ballast.core.Ticker;
import io.ballast.core.attempt.AttemptOutcome;
import io.ballast.core.attempt.AttemptRecord;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import io.ballast.core.retry.RetryBudgetSettings;
import io.ballast.core.retry.RetryDecision;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.retry.RetrySettings;
import io.ballast.proxy.ListenerSpec;
import io.ballast.proxy.ProxyObserver;
import io.ballast.proxy.ProxyServer;
import io.ballast.proxy.ProxySettings;
import io.ballast.proxy.RequestLog;
import io.ballast.sim.BackendSpec;
import io.ballast.sim.ClientSpec;
import io.ballast.sim.ErrorKind;
import io.ballast.sim.HealthCheckSpec;
import io.ballast.sim.RateProfile;
import io.ballast.sim.Scenario;
import io.ballast.sim.ServiceTime;
import io.ballast.sim.SimPool;
import io.ballast.sim.VariantSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both drivers of the attempt protocol classify the same outcome the same way: a request whose
 * two backends fail alike (503, 429, a status configured retryable, a reset before the response
 * head, one after it, no answer within the per-try timeout) goes through the real proxy, with
 * real backends on loopback, and through the simulator, with modelled backends failing that
 * way; the attempts each reports ({@link AttemptRecord}) must be the same, attempt by attempt:
 * outcome, status, what the load and the gate counted, what the outlier tracker heard, and the
 * retry decision. Only the backends' names (which one round robin starts on) are left out.
 *
 * <p>The proxy runs each outcome twice on one pool, so that the second request finds kept-alive
 * connections where the first left them (after a 503, 429 or 409): a pooled connection counts as
 * connected as a new one does, which is what the simulator models for every attempt.
 */
class AttemptConformanceTest {
  private static final Duration PER_TRY = Duration.ofMillis(300);
  /** Retries on both backends and no budget: the budget is the pool's, not an attempt's. */
  private static final RetrySettings RETRIES = RetrySettings.DEFAULTS
      .withTimeouts(PER_TRY, Duration.ofSeconds(30))
      .withRetryableStatuses(Set.of(409, 502, 503, 504))
      .withBudget(RetryBudgetSettings.DISABLED);

  /** An outcome: the proxy's backends produce it on {@code path}, the simulator's by kind. */
  enum Outcome {
    STATUS_503("/status/503", ErrorKind.STATUS, 503, AttemptOutcome.ANSWERED,
        AttemptOutcome.ANSWERED),
    STATUS_429("/status/429", ErrorKind.STATUS, 429, AttemptOutcome.ANSWERED),
    CONFIGURED_409("/status/409", ErrorKind.STATUS, 409, AttemptOutcome.ANSWERED,
        AttemptOutcome.ANSWERED),
    RESET_BEFORE_HEAD("/reset", ErrorKind.RESET, 500, AttemptOutcome.RESET_AFTER_SENT,
        AttemptOutcome.RESET_AFTER_SENT, AttemptOutcome.RESET_AFTER_SENT),
    RESET_AFTER_HEAD("/truncate", ErrorKind.TRUNCATED, 500, AttemptOutcome.BROKEN_AFTER_HEAD),
    TIMEOUT("/hang", ErrorKind.HANG, 500, AttemptOutcome.TIMEOUT, AttemptOutcome.TIMEOUT);

    final String path;
    final ErrorKind kind;
    /** The modelled error status (only {@link ErrorKind#STATUS} answers with it). */
    final int status;
    /** The attempts' outcomes, the test's own check that the outcome is the one meant. */
    final List<AttemptOutcome> expected;

    Outcome(String path, ErrorKind kind, int status, AttemptOutcome... expected) {
      this.path = path;
      this.kind = kind;
      this.status = status;
      this.expected = List.of(expected);
    }
  }

  /** An attempt's record without the backend's name. */
  record Classification(AttemptOutcome outcome, int status, Boolean loadFailure,
      Boolean gateFailure, String outlier, RetryDecision decision) {
    static Classification of(AttemptRecord r) {
      return new Classification(r.outcome(), r.status(), r.loadFailure(), r.gateFailure(),
          r.outlier(), r.decision());
    }
  }

  private static final List<FailingBackend> backends = new ArrayList<>();
  private static final ConcurrentLinkedQueue<AttemptRecord> records =
      new ConcurrentLinkedQueue<>();
  private static final AtomicInteger logs = new AtomicInteger();
  private static ControlLoop control;
  private static ProxyServer proxy;
  private static URI base;
  private static final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws IOException {
    List<Backend> members = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      FailingBackend b = new FailingBackend();
      backends.add(b);
      members.add(new Backend("b" + i, "127.0.0.1", b.port(), 1));
    }
    control = new ControlLoop("conformance-control", Throwable::printStackTrace);
    LoadBalancer pool = new LoadBalancer("web", members, Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, control, Rng.seeded(7),
        PoolListener.NONE);
    proxy = new ProxyServer(ProxySettings.defaults(), new ProxyObserver() {
      @Override
      public void onRequestComplete(RequestLog log) {
        logs.incrementAndGet();
      }
    }, 1);
    proxy.useAttemptListener(records::add);
    InetSocketAddress a = proxy.start(List.of(new ListenerSpec("main",
        new InetSocketAddress("127.0.0.1", 0), pool, new RetryPolicy(RETRIES, Ticker.SYSTEM),
        null))).get(0);
    base = URI.create("http://127.0.0.1:" + a.getPort());
  }

  @AfterAll
  static void stop() throws IOException {
    proxy.close();
    control.close();
    for (FailingBackend b : backends) {
      b.close();
    }
  }

  @ParameterizedTest
  @EnumSource(Outcome.class)
  void theProxyAndTheSimulatorClassifyAlike(Outcome outcome) throws Exception {
    List<Classification> simulated = simulate(outcome);
    assertThat(simulated).extracting(Classification::outcome).isEqualTo(outcome.expected);
    // The second time, connections the first request left are taken from the pool.
    for (int run = 1; run <= 2; run++) {
      assertThat(proxied(outcome)).as("run %d through the proxy", run).isEqualTo(simulated);
    }
  }

  /** One request through the real proxy; the classifications of its attempts. */
  private static List<Classification> proxied(Outcome outcome) throws Exception {
    records.clear();
    int before = logs.get();
    try {
      client.send(HttpRequest.newBuilder(base.resolve(outcome.path))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      // A response cut after its head: the client sees the connection end early.
    }
    await().until(() -> logs.get() == before + 1);
    return records.stream().map(Classification::of).toList();
  }

  /** One request through the simulator, its two backends failing as {@code outcome} says. */
  private static List<Classification> simulate(Outcome outcome) {
    List<BackendSpec> specs = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      specs.add(new BackendSpec("s" + i, 1, 1, 10, new ServiceTime.Constant(Duration.ofMillis(1)),
          1.0, Duration.ofMillis(1), outcome.status, outcome.kind, List.of()));
    }
    // One arrival at 0 s; the next would come after ~1000 s on average, long after the end.
    Scenario scenario = new Scenario("conformance " + outcome, 11, Duration.ofSeconds(1),
        Duration.ZERO, Duration.ofSeconds(1),
        new ClientSpec(new RateProfile.Constant(0.001), Duration.ZERO), specs,
        new HealthCheckSpec(false, Duration.ofSeconds(2), 2, 3, Duration.ofSeconds(10),
            HealthSettings.DEFAULT_PANIC_THRESHOLD, Duration.ZERO),
        RETRIES, List.of(VariantSpec.of(Algorithm.ROUND_ROBIN)));
    SimPool pool = new SimPool(scenario, scenario.variants().get(0));
    List<Classification> out = new ArrayList<>();
    pool.useAttemptListener(r -> out.add(Classification.of(r)));
    pool.run(progress -> {});
    assertThat(pool.arrived()).as("simulated requests").isEqualTo(1);
    return out;
  }

  /**
   * A backend on a plain socket that fails each request as its path says: {@code /status/N}
   * answers N (kept alive), {@code /reset} closes the connection once the request is read,
   * {@code /truncate} sends a 200 head and 10 of 100 body bytes and closes, {@code /hang}
   * never answers.
   */
  static final class FailingBackend implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();

    FailingBackend() throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread t = new Thread(this::accept, "failing-backend-" + server.getLocalPort());
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void accept() {
      try {
        for (;;) {
          Socket s = server.accept();
          accepted.add(s);
          Thread t = new Thread(() -> serve(s), "failing-conn-" + s.getPort());
          t.setDaemon(true);
          t.start();
        }
      } catch (IOException e) {
        // Closed.
      }
    }

    private static void serve(Socket s) {
      try (s) {
        BufferedReader in = new BufferedReader(
            new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
        OutputStream out = s.getOutputStream();
        String line;
        while ((line = in.readLine()) != null) {
          String path = line.split(" ")[1];
          while (!in.readLine().isEmpty()) {
            // The rest of the head; the requests have no body.
          }
          if (path.startsWith("/status/")) {
            out.write(("HTTP/1.1 " + path.substring(8) + " Failing\r\nContent-Length: 2\r\n\r\nno")
                .getBytes(StandardCharsets.ISO_8859_1));
          } else if (path.equals("/reset")) {
            return;
          } else if (path.equals("/truncate")) {
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + "x".repeat(10))
                .getBytes(StandardCharsets.ISO_8859_1));
            return;
          }
          // "/hang": read on; the next thing is ballast closing the connection.
        }
      } catch (IOException e) {
        // The peer went away.
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : accepted) {
        s.close();
      }
    }
  }
}
