package io.ballast.bench.scenario;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A load balancer under test: writes its configuration for a scenario and says how to start it.
 * Implementations are stateless and thread-safe.
 */
public interface Balancer {

    /** ballast, haproxy or nginx. */
    String name();

    /**
     * Writes this balancer's configuration into {@code dir} and returns the command that runs it in
     * the foreground, listening on 127.0.0.1:{@code port} and sending to the given backend ports.
     */
    List<String> prepare(Path dir, int port, List<Integer> backendPorts, Scenario scenario) throws IOException;

    /**
     * The balancers this runner knows, by name; {@code ballast:ALGORITHM} runs ballast with that
     * algorithm (plain {@code ballast} runs round robin).
     */
    static Balancer of(String name, Path ballastJar) {
        if (name.startsWith("ballast:") && name.length() > "ballast:".length()) {
            return new BallastBalancer(ballastJar, name.substring("ballast:".length()));
        }
        return switch (name) {
            case "ballast" -> new BallastBalancer(ballastJar);
            case "haproxy" -> new HaproxyBalancer();
            case "nginx" -> new NginxBalancer();
            default -> throw new IllegalArgumentException("--only: '" + name + "' (expected: ballast, ballast:ALGORITHM, haproxy or nginx)");
        };
    }
}
