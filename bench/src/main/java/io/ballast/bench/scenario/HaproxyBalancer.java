package io.ballast.bench.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * HAProxy with its failover features on: active HTTP checks, layer-7 observation of live traffic
 * that marks a server down after a run of errors, three retries on any retryable error (503
 * included) and redispatch of each retry to another server. Stateless; thread-safe.
 */
public final class HaproxyBalancer implements ProcessBalancer {

    private final String balance;
    private final boolean named;

    /** HAProxy with {@code balance roundrobin}, named "haproxy". */
    public HaproxyBalancer() {
        this("roundrobin", false);
    }

    /**
     * @param balance the {@code balance} algorithm (roundrobin, leastconn, random...)
     * @param named   whether it shows in {@link #name()} ("haproxy-leastconn")
     */
    public HaproxyBalancer(String balance, boolean named) {
        this.balance = balance;
        this.named = named;
    }

    @Override
    public String name() {
        return named ? "haproxy-" + balance : "haproxy";
    }

    @Override
    public List<String> prepare(Path dir, int port, List<Integer> backendPorts, Scenario scenario) throws IOException {
        Scenario.HealthCheck h = scenario.health();
        StringBuilder cfg = new StringBuilder();
        cfg.append("""
                global
                  nbthread 1
                  maxconn 4096

                defaults
                  mode http
                  option http-keep-alive
                  http-reuse always
                  timeout connect 1s
                  timeout client 60s
                  timeout server %s
                  timeout http-keep-alive 60s
                  timeout http-request 10s
                  timeout check %s
                  # Retry any retryable failure (refused/reset connection, empty answer, 500/502/503/504)
                  # up to three times, each time on another server.
                  retries 3
                  option redispatch 1
                  retry-on all-retryable-errors

                frontend bench
                  bind 127.0.0.1:%d
                  default_backend bench

                backend bench
                  balance %s
                  option httpchk GET /health
                  http-check expect status 200
                  # Active checks plus observation of live answers: 10 consecutive errors mark the
                  # server down until its checks pass again.
                  default-server check inter %s fall %d rise %d observe layer7 error-limit 10 on-error mark-down %s
                """.formatted(Durations.millis(scenario.clientTimeout()), Durations.millis(h.timeout()), port,
                balance, Durations.millis(h.interval()), h.fall(), h.rise(),
                scenario.serverOptions().getOrDefault("haproxy_server", "")));
        String backendLines = scenario.serverOptions().getOrDefault("haproxy_backend", "");
        for (String line : backendLines.split("\n")) {
            if (!line.isBlank()) {
                cfg.append("  ").append(line.strip()).append('\n');
            }
        }
        for (int i = 0; i < backendPorts.size(); i++) {
            cfg.append("  server ").append(scenario.backends().get(i).name())
                    .append(" 127.0.0.1:").append(backendPorts.get(i)).append('\n');
        }
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, cfg);
        return List.of("haproxy", "-db", "-f", file.toString());
    }
}
