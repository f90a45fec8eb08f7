package io.ballast.bench.scenario;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * What the oracle adds to a request: {@code OracleOverhead [requests]} sends that many requests
 * (default 20,000, after as many to warm up) one at a time to a backend that answers at once,
 * first directly, then through {@link OracleProxy}, and prints both latency distributions and the
 * difference. One client thread, keep-alive, 127.0.0.1; run it pinned like the runner
 * ({@code taskset -c 1 java -cp bench/target/benchmarks.jar io.ballast.bench.scenario.OracleOverhead}).
 * Runs on the main thread.
 */
public final class OracleOverhead {
    private OracleOverhead() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        Scenario s = Scenario.fromTree(YAMLMapper.builder().build().readTree(
                "backends: { count: 2, capacity: 4, service_time: { distribution: fixed, mean: 0ms } }\n"), "overhead");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (ControllableBackend b1 = ControllableBackend.start(s.backends().get(0), 1);
                ControllableBackend b2 = ControllableBackend.start(s.backends().get(1), 2);
                OracleProxy oracle = OracleProxy.start(0, List.of(b1, b2), s)) {
            Histogram direct = measure(client, b1.port(), n);
            Histogram through = measure(client, oracle.port(), n);
            System.out.printf(Locale.ROOT, "%d sequential requests, µs:%n", n);
            System.out.println(line("direct", direct));
            System.out.println(line("through the oracle", through));
            System.out.printf(Locale.ROOT, "added: p50 %d µs, p99 %d µs, mean %.0f µs%n",
                    through.getValueAtPercentile(50) - direct.getValueAtPercentile(50),
                    through.getValueAtPercentile(99) - direct.getValueAtPercentile(99),
                    through.getMean() - direct.getMean());
        }
    }

    private static Histogram measure(HttpClient client, int port, int n) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .timeout(Duration.ofSeconds(5)).build();
        Histogram h = new Histogram(3);
        for (int i = 0; i < 2 * n; i++) {
            long t0 = System.nanoTime();
            HttpResponse<Void> r = client.send(req, HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("status " + r.statusCode());
            }
            if (i >= n) {
                h.recordValue((System.nanoTime() - t0) / 1000);
            }
        }
        return h;
    }

    private static String line(String what, Histogram h) {
        return String.format(Locale.ROOT, "  %-20s p50 %5d  p90 %5d  p99 %5d  p99.9 %5d  mean %6.1f", what,
                h.getValueAtPercentile(50), h.getValueAtPercentile(90), h.getValueAtPercentile(99),
                h.getValueAtPercentile(99.9), h.getMean());
    }
}
