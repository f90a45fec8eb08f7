package io.ballast.bench.scenario;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A load balancer of a scenario run: one under test, run as its own process
 * ({@link ProcessBalancer}), or the oracle, the reference they are measured against
 * ({@link OracleBalancer}). Implementations are stateless and thread-safe.
 */
public interface Balancer {

    /** The oracle's name, in balancer lists and in reports. */
    String ORACLE = "oracle";

    /** ballast, haproxy or nginx, with the algorithm when one was asked for: "ballast-auto"; or "oracle". */
    String name();

    /**
     * Starts it for one run, listening on 127.0.0.1:{@code port} in front of {@code backends}
     * (scenario order), with whatever it writes (configuration, log) in {@code dir}; a process is
     * pinned to {@code cpu} (taskset's list; empty: not pinned). Returns once it accepts connections.
     */
    RunningBalancer start(Path dir, int port, List<ControllableBackend> backends, Scenario scenario, String cpu)
            throws IOException, InterruptedException;

    /**
     * The balancers this runner knows, by name, optionally with the balancing algorithm in the
     * balancer's own words after a colon: {@code ballast:auto}, {@code haproxy:leastconn},
     * {@code nginx:least_conn}. Without one: ballast's round-robin, HAProxy's roundrobin and
     * NGINX's default (round robin). {@code oracle} (no algorithm: it has one) is the reference.
     */
    static Balancer of(String spec, Path ballastJar) {
        int colon = spec.indexOf(':');
        String name = colon < 0 ? spec : spec.substring(0, colon);
        String algorithm = colon < 0 ? "" : spec.substring(colon + 1).trim();
        if (colon >= 0 && !algorithm.matches("[a-z0-9_-]+")) {
            throw new IllegalArgumentException("balancer: '" + spec + "' (expected: an algorithm name after the colon)");
        }
        if (name.equals(ORACLE) && colon >= 0) {
            throw new IllegalArgumentException("balancer: '" + spec + "' (expected: oracle without an algorithm)");
        }
        return switch (name) {
            case "ballast" -> new BallastBalancer(ballastJar, algorithm.isEmpty() ? "round-robin" : algorithm, colon >= 0);
            case "haproxy" -> new HaproxyBalancer(algorithm.isEmpty() ? "roundrobin" : algorithm, colon >= 0);
            case "nginx" -> new NginxBalancer(algorithm, colon >= 0);
            case ORACLE -> new OracleBalancer();
            default -> throw new IllegalArgumentException(
                    "balancer: '" + spec + "' (expected: ballast, haproxy or nginx, optionally with :algorithm, or oracle)");
        };
    }
}
