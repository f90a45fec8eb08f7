package io.ballast.bench.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * ballast from its shaded jar with active health checks on /health, the pool's algorithm, and
 * either its failover features (retries, circuit breakers, outlier detection, slow start; for
 * {@code auto} without the slow-call rule and slow start) or the pool settings the scenario gives
 * ({@code ballast_pool}). Run with the same JVM as the runner.
 * Stateless; thread-safe.
 */
public final class BallastBalancer implements ProcessBalancer {
    /**
     * auto's failover settings: retries and breakers on failures, without what second-guesses
     * auto's own measurements: a slow-call rule on the breakers (a backend auto already shuns for
     * its latency would also wait out {@code wait_in_open} before it may return), slow start (a
     * ramp on every return) and outlier detection (ejections that grow with each repeat keep a
     * recovered backend out for tens of seconds; auto prices errors itself). HAProxy's and NGINX's
     * settings here have none of them; docs/optimizer-auto.md, "With the failover features", has
     * the figures with and without them. The breaker's block is last, so {@link #FAILOVER} can
     * extend it.
     */
    static final String AUTO_FAILOVER = """
            retries:
              max_attempts: 3
            passive_down_time: 5s
            circuit_breaker:
              window_size: 20
              minimum_calls: 10
              failure_rate_threshold: 50
              wait_in_open: 5s
              permitted_calls_in_half_open: 5
            """;

    /**
     * The pool's failover settings for every other algorithm unless the scenario gives its own
     * ({@code ballast_pool}): auto's, with a slow-call rule on the breakers, slow start and
     * outlier detection.
     */
    static final String FAILOVER = AUTO_FAILOVER + """
              slow_call_duration: 30ms
              slow_call_rate_threshold: 50
            slow_start: 10s
            outlier_detection:
              interval: 1s
              base_ejection_time: 10s
              consecutive_5xx: 3
              failure_percentage_threshold: 20
              failure_percentage_minimum_hosts: 3
              failure_percentage_request_volume: 20
            """;

    private final Path jar;
    private final String algorithm;
    private final boolean named;

    /** ballast with round robin, named "ballast". */
    public BallastBalancer(Path jar) {
        this(jar, "round-robin", false);
    }

    /**
     * @param algorithm the pool's algorithm (its config name)
     * @param named     whether the algorithm shows in {@link #name()} ("ballast-auto")
     */
    public BallastBalancer(Path jar, String algorithm, boolean named) {
        this.jar = jar;
        this.algorithm = algorithm;
        this.named = named;
    }

    @Override
    public String name() {
        return named ? "ballast-" + algorithm : "ballast";
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
                %s    health_check:
                      path: /health
                      interval: %s
                      timeout: %s
                      rise: %d
                      fall: %d
                    backends:
                """.formatted(port, algorithm,
                scenario.ballastPool().orElse("auto".equals(algorithm) ? AUTO_FAILOVER : FAILOVER).indent(4), Durations.millis(h.interval()), Durations.millis(h.timeout()), h.rise(), h.fall()));
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
