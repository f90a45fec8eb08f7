package io.ballast.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** The oracle on loopback in front of real controllable backends. */
class OracleProxyTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<AutoCloseable> started = new ArrayList<>();
    private final List<ControllableBackend> backends = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    /** Starts the scenario's backends and the oracle in front of them. */
    private OracleProxy oracle(String yaml) throws Exception {
        Scenario s = Scenario.fromTree(YAMLMapper.builder().build().readTree(yaml), "t");
        for (int i = 0; i < s.backends().size(); i++) {
            ControllableBackend b = ControllableBackend.start(s.backends().get(i), 11 + i);
            started.add(b);
            backends.add(b);
        }
        OracleProxy o = OracleProxy.start(0, backends, s);
        started.add(o);
        return o;
    }

    private CompletableFuture<HttpResponse<String>> get(OracleProxy o, Duration timeout) {
        return client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + o.port() + "/x"))
                .timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<HttpResponse<String>> burst(OracleProxy o, int n) throws Exception {
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(get(o, Duration.ofSeconds(5)));
        }
        List<HttpResponse<String>> out = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> f : all) {
            out.add(f.get());
        }
        return out;
    }

    @Test
    void proxiesStatusHeadersAndBody() throws Exception {
        OracleProxy o = oracle("""
                backends: { count: 2, capacity: 2, service_time: { distribution: fixed, mean: 1ms } }
                """);
        // Where the runner pins balancers (a no-op when blank).
        o.pinTo("0");
        o.pinTo("");
        HttpResponse<String> r = get(o, Duration.ofSeconds(5)).get();
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("200 b1\n");
        assertThat(r.headers().firstValue("x-backend")).hasValue("b1");
        assertThat(o.alive()).isTrue();
        assertThat(o.where()).contains("127.0.0.1:" + o.port());
    }

    @Test
    void fillsTheFasterBackendsWorkersFirstAndNeverExceedsATrueCapacity() throws Exception {
        OracleProxy o = oracle("""
                backends:
                  - { capacity: 2, service_time: { distribution: fixed, mean: 50ms } }
                  - { capacity: 2, service_time: { distribution: fixed, mean: 10ms } }
                """);
        // Six at once: the 5x slower b1 is not worth it while fewer than eight wait for b2.
        assertThat(burst(o, 6)).allSatisfy(r -> assertThat(r.body()).isEqualTo("200 b2\n"));
        assertThat(o.sent(0)).isZero();
        // Sixty at once: the line grows past that, and b1 takes some.
        assertThat(burst(o, 60)).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
        assertThat(o.sent(0)).isPositive();
        assertThat(o.sent(1)).isGreaterThan(o.sent(0));
        for (int b = 0; b < 2; b++) {
            assertThat(o.peakBusy(b)).isLessThanOrEqualTo(2);
            assertThat(backends.get(b).peakInFlight()).isLessThanOrEqualTo(2);
            // Nothing ever waited in a backend's own queue.
            assertThat(backends.get(b).peakWaiting()).isZero();
        }
    }

    @Test
    void sendsNothingToAKilledBackendAndRequeuesWhatItWasServing() throws Exception {
        OracleProxy o = oracle("""
                backends: { count: 3, capacity: 2, service_time: { distribution: fixed, mean: 20ms } }
                client_timeout: 5s
                """);
        ControllableBackend b3 = backends.get(2);
        // Twelve at once keep all six workers busy, b3's included, when the kill comes.
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            all.add(get(o, Duration.ofSeconds(5)));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> o.sent(2) > 0);
        Action kill = new Action(Duration.ZERO, "b3", Action.Kind.KILL, 0);
        o.applying(2, kill, () -> b3.apply(kill));
        long atKill = o.sent(2);
        // Those b3 was serving are sent again elsewhere: all twelve end well.
        for (CompletableFuture<HttpResponse<String>> f : all) {
            assertThat(f.get().statusCode()).isEqualTo(200);
        }
        assertThat(burst(o, 12)).allSatisfy(r -> assertThat(r.body()).isIn("200 b1\n", "200 b2\n"));
        assertThat(o.sent(2)).isEqualTo(atKill);

        Action revive = new Action(Duration.ZERO, "b3", Action.Kind.REVIVE, 0);
        o.applying(2, revive, () -> b3.apply(revive));
        assertThat(burst(o, 12)).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
        assertThat(o.sent(2)).isGreaterThan(atKill);
    }

    @Test
    void doesNotSendARequestWhereItsDrawSaysItFails() throws Exception {
        OracleProxy o = oracle("""
                backends:
                  - { capacity: 4, error_rate: 0.5, service_time: { distribution: fixed, mean: 1ms } }
                  - { capacity: 4, service_time: { distribution: fixed, mean: 2ms } }
                """);
        for (int i = 0; i < 40; i++) {
            assertThat(get(o, Duration.ofSeconds(5)).get().statusCode()).isEqualTo(200);
        }
        // b1 is faster, so it is asked first; about half its draws say 503, and those go to b2.
        assertThat(o.sent(0)).isBetween(8L, 32L);
        assertThat(o.sent(0) + o.sent(1)).isEqualTo(40);
        assertThat(backends.get(0).errorSeries(1)).containsOnly(0);
        assertThat(backends.get(0).receivedTotal()).isEqualTo(o.sent(0));
    }

    @Test
    void aRequestNoWorkerCanTakeWithinTheClientTimeoutEndsAsAClientTimeout() throws Exception {
        OracleProxy o = oracle("""
                backends: { count: 2, capacity: 1, service_time: { distribution: fixed, mean: 1ms } }
                client_timeout: 1s
                """);
        // A kept connection, so that the late request reaches the oracle at once even on a busy machine.
        assertThat(get(o, Duration.ofSeconds(5)).get().statusCode()).isEqualTo(200);
        for (int b = 0; b < 2; b++) {
            ControllableBackend backend = backends.get(b);
            Action kill = new Action(Duration.ZERO, backend.name(), Action.Kind.KILL, 0);
            o.applying(b, kill, () -> backend.apply(kill));
        }
        CompletableFuture<HttpResponse<String>> late = get(o, Duration.ofSeconds(1));
        assertThatThrownBy(late::get).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(HttpTimeoutException.class);
        long sent = o.sent(0) + o.sent(1);
        Action revive = new Action(Duration.ZERO, "b1", Action.Kind.REVIVE, 0);
        o.applying(0, revive, () -> backends.get(0).apply(revive));
        // Met at the head of the line once a worker is free, and dropped unsent.
        await().atMost(Duration.ofSeconds(5)).until(() -> o.expired() == 1);
        assertThat(o.sent(0) + o.sent(1)).isEqualTo(sent);
        assertThat(get(o, Duration.ofSeconds(5)).get().statusCode()).isEqualTo(200);
    }
}
