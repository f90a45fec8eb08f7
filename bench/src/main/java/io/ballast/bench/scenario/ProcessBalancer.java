package io.ballast.bench.scenario;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A balancer under test that runs as its own process from a configuration written for the
 * scenario (ballast, HAProxy, NGINX). Implementations are stateless and thread-safe.
 */
public interface ProcessBalancer extends Balancer {

    /**
     * Writes this balancer's configuration into {@code dir} and returns the command that runs it in
     * the foreground, listening on 127.0.0.1:{@code port} and sending to the given backend ports.
     */
    List<String> prepare(Path dir, int port, List<Integer> backendPorts, Scenario scenario) throws IOException;

    /** Writes the configuration and starts the command, pinned to {@code cpu}, with its log in {@code dir}. */
    @Override
    default RunningBalancer start(Path dir, int port, List<ControllableBackend> backends, Scenario scenario, String cpu)
            throws IOException, InterruptedException {
        List<String> cmd = prepare(dir, port, backends.stream().map(ControllableBackend::port).toList(), scenario);
        return BalancerProcess.start(cmd, cpu, dir.resolve(name() + ".log"), port, Duration.ofSeconds(30));
    }
}
