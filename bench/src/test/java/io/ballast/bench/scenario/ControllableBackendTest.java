package io.ballast.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ControllableBackendTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<ControllableBackend> started = new ArrayList<>();

    @AfterEach
    void stop() {
        started.forEach(ControllableBackend::close);
    }

    private ControllableBackend backend(int capacity, ServiceTime serviceTime, double errorRate) throws Exception {
        ControllableBackend b = ControllableBackend.start(new Scenario.BackendSpec("b1", capacity, serviceTime, errorRate), 7);
        started.add(b);
        return b;
    }

    private HttpResponse<String> get(ControllableBackend b, String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.port() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void requestsBeyondCapacityQueue() throws Exception {
        ControllableBackend b = backend(2, ServiceTime.fixed(Duration.ofMillis(200)), 0);
        long start = System.nanoTime();
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            all.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.port() + "/"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> f : all) {
            assertThat(f.get().statusCode()).isEqualTo(200);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        // Six requests through two slots of 200 ms: three waves, about 600 ms.
        assertThat(millis).isBetween(580L, 2000L);
        assertThat(b.peakInFlight()).isEqualTo(2);
        assertThat(b.receivedTotal()).isEqualTo(6);
    }

    @Test
    void errorRateIsTheShareOf503Answers() throws Exception {
        ControllableBackend b = backend(16, ServiceTime.fixed(Duration.ZERO), 0.3);
        int errors = 0;
        for (int i = 0; i < 1000; i++) {
            int status = get(b, "/").statusCode();
            assertThat(status).isIn(200, 503);
            if (status == 503) {
                errors++;
            }
        }
        assertThat(errors).isBetween(250, 350);
        // Health checks are not traffic and do not fail with it.
        assertThat(get(b, "/health").statusCode()).isEqualTo(200);
        assertThat(b.receivedTotal()).isEqualTo(1000);
    }

    @Test
    void timelineActionsChangeBehaviour() throws Exception {
        ControllableBackend b = backend(8, ServiceTime.fixed(Duration.ofMillis(20)), 0);
        b.startClock(System.nanoTime());
        assertThat(get(b, "/").statusCode()).isEqualTo(200);

        b.apply(new Action(Duration.ZERO, "b1", Action.Kind.SLOW, 10));
        long t0 = System.nanoTime();
        get(b, "/");
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(190);

        b.apply(new Action(Duration.ZERO, "b1", Action.Kind.ERRORS, 1.0));
        await().atMost(Duration.ofSeconds(2)).until(() -> get(b, "/").statusCode() == 503);
        b.apply(new Action(Duration.ZERO, "b1", Action.Kind.HEALTH_FAIL, 0));
        await().atMost(Duration.ofSeconds(2)).until(() -> get(b, "/health").statusCode() == 503);

        b.apply(new Action(Duration.ZERO, "b1", Action.Kind.NORMAL, 0));
        await().atMost(Duration.ofSeconds(2)).until(() -> get(b, "/health").statusCode() == 200);
        t0 = System.nanoTime();
        assertThat(get(b, "/").statusCode()).isEqualTo(200);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(150);

        b.apply(new Action(Duration.ZERO, "b1", Action.Kind.KILL, 0));
        assertThatThrownBy(() -> get(b, "/")).isInstanceOf(IOException.class);
        b.apply(new Action(Duration.ZERO, "b1", Action.Kind.REVIVE, 0));
        assertThat(get(b, "/").statusCode()).isEqualTo(200);

        int[] series = b.receivedSeries(2);
        assertThat(series[0] + series[1]).isEqualTo(b.receivedTotal());
    }

    @Test
    void flappingAlternatesHealthAndTraffic() throws Exception {
        ControllableBackend b = backend(8, ServiceTime.fixed(Duration.ZERO), 0);
        b.apply(new Action(Duration.ZERO, "b1", Action.Kind.FLAP, 0.3));
        // Down first, then up, then down again: each state is seen within a few periods.
        await().atMost(Duration.ofSeconds(2)).until(() -> get(b, "/health").statusCode() == 503);
        await().atMost(Duration.ofSeconds(2)).until(() -> get(b, "/health").statusCode() == 200);
        assertThat(get(b, "/").statusCode()).isIn(200, 503);
        await().atMost(Duration.ofSeconds(2)).until(() -> get(b, "/").statusCode() == 503);
        b.apply(new Action(Duration.ZERO, "b1", Action.Kind.NORMAL, 0));
        await().atMost(Duration.ofSeconds(2)).until(() -> get(b, "/health").statusCode() == 200);
        for (int i = 0; i < 20; i++) {
            assertThat(get(b, "/").statusCode()).isEqualTo(200);
        }
    }
}
