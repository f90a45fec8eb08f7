package io.ballast.bench.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * ballast from its shaded jar, with what it has today: active health checks on /health and
 * failover to another backend when connecting fails. Run with the same JVM as the runner.
 * Stateless; thread-safe.
 */
public final class BallastBalancer implements Balancer {
    private final Path jar;
    private final String algorithm;

    public BallastBalancer(Path jar) {
        this(jar, "round-robin");
    }

    /**
     * ballast with the pool's {@code algorithm} (a config name, such as auto or peak-ewma), so
     * that one run compares ballast's algorithms under the same faults.
     */
    public BallastBalancer(Path jar, String algorithm) {
        this.jar = jar;
        this.algorithm = algorithm;
    }

    /** "ballast" with round robin, "ballast-ALGORITHM" otherwise. */
    @Override
    public String name() {
        return algorithm.equals("round-robin") ? "ballast" : "ballast-" + algorithm;
    }

    @Override
    public List<String> prepare(Path dir, int port, List<Integer> backendPorts, Scenario scenario) throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IOException("ballast jar not found: " + jar + " (build it: mvn -B -ntp -pl server -am -DskipTests package)");
        }
        Scenario.HealthCheck h = scenario.health();
        StringBuilder cfg = new StringBuilder();
        cfg.append("""
                listeners:
                  - name: bench
                    bind: "127.0.0.1:%d"
                    pool: app
                pools:
                  - name: app
                    algorithm: %s
                    retries:
                      max_attempts: 3
                    circuit_breaker:
                      window_size: 20
                      minimum_calls: 10
                      failure_rate_threshold: 50
                      slow_call_duration: 30ms
                      slow_call_rate_threshold: 50
                      wait_in_open: 5s
                      permitted_calls_in_half_open: 5
                    passive_down_time: 5s
                    slow_start: 10s
                    outlier_detection:
                      interval: 1s
                      base_ejection_time: 10s
                      consecutive_5xx: 3
                      failure_percentage_threshold: 20
                      failure_percentage_minimum_hosts: 3
                      failure_percentage_request_volume: 20
                    health_check:
                      path: /health
                      interval: %s
                      timeout: %s
                      rise: %d
                      fall: %d
                    backends:
                """.formatted(port, algorithm, Durations.millis(h.interval()), Durations.millis(h.timeout()), h.rise(), h.fall()));
        for (int i = 0; i < backendPorts.size(); i++) {
            cfg.append("      - name: ").append(scenario.backends().get(i).name())
                    .append("\n        address: \"127.0.0.1:").append(backendPorts.get(i)).append("\"\n");
        }
        cfg.append("""
                timeouts:
                  connect: 1s
                  response: %s
                admin:
                  enabled: false
                access_log:
                  enabled: false
                """.formatted(Durations.millis(scenario.clientTimeout())));
        Path file = dir.resolve("ballast.yaml");
        Files.writeString(file, cfg);
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        if (Runtime.version().feature() >= 24) {
            // Newer JDKs turn off what Netty's fast buffers need unless asked (see STACK.md).
            cmd.add("--sun-misc-unsafe-memory-access=allow");
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        cmd.addAll(List.of("-jar", jar.toAbsolutePath().toString(), "run", "-c", file.toAbsolutePath().toString()));
        return cmd;
    }
}
