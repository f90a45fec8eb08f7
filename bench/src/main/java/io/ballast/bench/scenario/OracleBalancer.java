package io.ballast.bench.scenario;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The oracle as a balancer of the run: {@link OracleProxy} started in the runner's JVM (so it is
 * told each timeline action in-process, at the moment the runner applies it), its event loop
 * pinned to the balancers' CPU as they are. It writes nothing to {@code dir}. Stateless;
 * thread-safe.
 */
public final class OracleBalancer implements Balancer {

    @Override
    public String name() {
        return ORACLE;
    }

    @Override
    public RunningBalancer start(Path dir, int port, List<ControllableBackend> backends, Scenario scenario, String cpu)
            throws IOException, InterruptedException {
        OracleProxy oracle = OracleProxy.start(port, backends, scenario);
        try {
            oracle.pinTo(cpu);
        } catch (IOException e) {
            oracle.close();
            throw e;
        }
        return oracle;
    }
}
