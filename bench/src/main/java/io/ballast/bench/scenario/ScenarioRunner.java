package io.ballast.bench.scenario;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs one scenario against one balancer: fresh backends (same seed every time), the balancer
 * started with its generated config (or the in-process oracle, which is told each timeline action
 * as it is applied), a warm-up, then the measured open-loop run with the timeline
 * applied to the backends at its offsets. Not thread-safe: one run at a time.
 */
public final class ScenarioRunner {
    private final String balancerCpu;

    /** @param balancerCpu CPU list for taskset (e.g. "0"), or empty not to pin the balancer */
    public ScenarioRunner(String balancerCpu) {
        this.balancerCpu = balancerCpu;
    }

    /** Runs {@code scenario} through {@code balancer}; its config and log go to {@code dir}. */
    public RunResult run(Scenario scenario, Balancer balancer, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        List<ControllableBackend> backends = new ArrayList<>();
        ScheduledExecutorService timeline = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "scenario-timeline");
            t.setDaemon(true);
            return t;
        });
        try (LoadGenerator load = new LoadGenerator()) {
            for (int i = 0; i < scenario.backends().size(); i++) {
                backends.add(ControllableBackend.start(scenario.backends().get(i), scenario.seed() * 31 + i));
            }
            int port = freePort();
            try (RunningBalancer lb = balancer.start(dir, port, backends, scenario, balancerCpu)) {
                URI target = URI.create("http://127.0.0.1:" + port + "/");
                load.run(target, scenario.rate(), scenario.warmup(), scenario.clientTimeout(), System.nanoTime());

                long epoch = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
                for (ControllableBackend b : backends) {
                    b.startClock(epoch);
                }
                for (Action a : scenario.timeline()) {
                    int i = scenario.indexOf(a.backend());
                    ControllableBackend b = backends.get(i);
                    // The balancer hears of it only through the backend, except the oracle, which is told.
                    timeline.schedule(() -> lb.applying(i, a, () -> b.apply(a)),
                            epoch + a.at().toNanos() - System.nanoTime(), TimeUnit.NANOSECONDS);
                }
                LoadResult result = scenario.overload().isPresent()
                        ? load.run(target, scenario.overload().get(), scenario.duration(), scenario.clientTimeout(),
                                epoch, scenario.seed())
                        : load.run(target, scenario.rate(), scenario.duration(), scenario.clientTimeout(), epoch);
                List<String> notes = new ArrayList<>(lb.notes());
                if (!lb.alive()) {
                    notes.add(balancer.name() + " exited during the run (see " + lb.where() + ")");
                }
                if (result.maxLagMicros() > 50_000) {
                    notes.add("the sender fell up to " + result.maxLagMicros() / 1000 + " ms behind schedule (latency still counts from the intended time)");
                }
                return summarise(scenario, balancer.name(), result, backends, notes);
            }
        } finally {
            timeline.shutdownNow();
            for (ControllableBackend b : backends) {
                b.close();
            }
        }
    }

    static RunResult summarise(Scenario scenario, String balancer, LoadResult load, List<ControllableBackend> backends,
            List<String> notes) {
        int seconds = load.sent().length;
        int[][] received = new int[backends.size()][];
        int[][] errors = new int[backends.size()][];
        for (int i = 0; i < backends.size(); i++) {
            received[i] = backends.get(i).receivedSeries(seconds);
            errors[i] = backends.get(i).errorSeries(seconds);
        }
        int w = scenario.watchIndex();
        int fault = scenario.faultAt().map(d -> (int) d.toSeconds()).orElse(seconds);
        int recovery = scenario.recoveryAt().map(d -> (int) d.toSeconds()).orElse(seconds);
        OptionalInt stop = scenario.faultAt().isPresent()
                ? FailoverMetrics.secondsToStop(received, w, fault, recovery) : OptionalInt.empty();
        OptionalInt back = scenario.recoveryAt().isPresent()
                ? FailoverMetrics.secondsToReturn(received, w, recovery) : OptionalInt.empty();
        return new RunResult(balancer, load, received, errors, stop, back,
                FailoverMetrics.share(received, w, fault, recovery),
                FailoverMetrics.attemptsPerRequest(received, load.sent(), 0, seconds),
                FailoverMetrics.attemptsPerRequest(received, load.sent(), fault, recovery),
                List.copyOf(notes));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }
}
