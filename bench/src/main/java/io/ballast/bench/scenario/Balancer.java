package io.ballast.bench.scenario;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A load balancer under test: writes its configuration for a scenario and says how to start it.
 * Implementations are stateless and thread-safe.
 */
public interface Balancer {

    /** ballast, haproxy or nginx, with the algorithm when one was asked for: "ballast-auto". */
    String name();

    /**
     * Writes this balancer's configuration into {@code dir} and returns the command that runs it in
     * the foreground, listening on 127.0.0.1:{@code port} and sending to the given backend ports.
     */
    List<String> prepare(Path dir, int port, List<Integer> backendPorts, Scenario scenario) throws IOException;

    /**
     * The balancers this runner knows, by name, optionally with the balancing algorithm in the
     * balancer's own words after a colon: {@code ballast:auto}, {@code haproxy:leastconn},
     * {@code nginx:least_conn}. Without one: ballast's round-robin, HAProxy's roundrobin and
     * NGINX's default (round robin).
     */
    static Balancer of(String spec, Path ballastJar) {
        int colon = spec.indexOf(':');
        String name = colon < 0 ? spec : spec.substring(0, colon);
        String algorithm = colon < 0 ? "" : spec.substring(colon + 1).trim();
        if (colon >= 0 && !algorithm.matches("[a-z0-9_-]+")) {
            throw new IllegalArgumentException("balancer: '" + spec + "' (expected: an algorithm name after the colon)");
        }
        return switch (name) {
            case "ballast" -> new BallastBalancer(ballastJar, algorithm.isEmpty() ? "round-robin" : algorithm, colon >= 0);
            case "haproxy" -> new HaproxyBalancer(algorithm.isEmpty() ? "roundrobin" : algorithm, colon >= 0);
            case "nginx" -> new NginxBalancer(algorithm, colon >= 0);
            default -> throw new IllegalArgumentException(
                    "balancer: '" + spec + "' (expected: ballast, haproxy or nginx, optionally with :algorithm)");
        };
    }
}
