package io.ballast.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioTest {

    @Test
    void theShippedFailoverScenariosLoadWithinSixtySeconds() throws Exception {
        for (String name : List.of("kill-revive", "slow-backend", "partial-errors", "flapping", "cold-return",
                "two-slow-of-five")) {
            Scenario s = Scenario.load(Path.of("scenarios", name + ".yaml"));
            assertThat(s.name()).isEqualTo(name);
            assertThat(s.duration().plus(s.warmup())).isLessThanOrEqualTo(Duration.ofSeconds(60));
            assertThat(s.faultAt()).isPresent();
            assertThat(s.recoveryAt()).isPresent();
            assertThat(s.recoveryAt().get()).isGreaterThan(s.faultAt().get());
        }
        Scenario kill = Scenario.load(Path.of("scenarios", "kill-revive.yaml"));
        assertThat(kill.timeline()).extracting(Action::kind).containsExactly(Action.Kind.KILL, Action.Kind.REVIVE);
        assertThat(kill.backends()).hasSize(3);
        assertThat(kill.watchIndex()).isEqualTo(2);
        Scenario cold = Scenario.load(Path.of("scenarios", "cold-return.yaml"));
        assertThat(cold.timeline()).extracting(Action::value).containsExactly(0.0, 0.0, 5.0, 3.0, 2.0, 1.5, 0.0);
        Scenario twoSlow = Scenario.load(Path.of("scenarios", "two-slow-of-five.yaml"));
        assertThat(twoSlow.backends()).hasSize(5);
        assertThat(twoSlow.timeline()).filteredOn(a -> a.kind() == Action.Kind.SLOW).extracting(Action::backend)
                .containsExactly("b4", "b5");
    }

    @Test
    void algorithmScenariosListBackendsOneByOneAndTheBalancersToCompare(@TempDir Path dir) throws Exception {
        Scenario s = Scenario.load(Path.of("scenarios", "unequal-capacity.yaml"));
        assertThat(s.backends()).extracting(Scenario.BackendSpec::name).containsExactly("b1", "b2", "b3");
        assertThat(s.backends()).extracting(b -> b.serviceTime().mean().toMillis()).containsExactly(4L, 10L, 25L);
        assertThat(s.balancers()).contains("ballast:auto", "haproxy:leastconn", "nginx:least_conn");
        assertThat(s.ballastPool()).isPresent();
        Path jar = Files.createFile(dir.resolve("ballast.jar"));
        List<Integer> ports = List.of(9001, 9002, 9003);
        ProcessBalancer ballast = (ProcessBalancer) Balancer.of("ballast:auto", jar);
        assertThat(ballast.name()).isEqualTo("ballast-auto");
        ballast.prepare(dir, 8080, ports, s);
        String yaml = Files.readString(dir.resolve("ballast.yaml"));
        assertThat(yaml).contains("    algorithm: auto\n    retries:\n      max_attempts: 3\n", "    health_check:\n")
                .doesNotContain("circuit_breaker");
        ProcessBalancer haproxy = (ProcessBalancer) Balancer.of("haproxy:leastconn", jar);
        assertThat(haproxy.name()).isEqualTo("haproxy-leastconn");
        haproxy.prepare(dir, 8080, ports, s);
        assertThat(Files.readString(dir.resolve("haproxy.cfg"))).contains("balance leastconn");
        ProcessBalancer nginx = (ProcessBalancer) Balancer.of("nginx:least_conn", jar);
        nginx.prepare(dir, 8080, ports, s);
        assertThat(Files.readString(dir.resolve("nginx.conf"))).contains("upstream bench {\n    least_conn;\n");
        assertThatThrownBy(() -> Balancer.of("envoy", jar)).hasMessageContaining("balancer: 'envoy'");
        // Without its own pool block a scenario gets the failover settings.
        new BallastBalancer(jar).prepare(dir, 8080, ports, Scenario.load(Path.of("scenarios", "slow-backend.yaml")));
        assertThat(Files.readString(dir.resolve("ballast.yaml"))).contains("    algorithm: round-robin\n",
                "    circuit_breaker:\n      window_size: 20\n");
    }

    @Test
    void badValuesNameTheFieldAndWhatWasExpected(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, """
                duration: 20s
                timeline:
                  - { at: 5s, backend: b3, action: errors, rate: 1.5 }
                """);
        assertThatThrownBy(() -> Scenario.load(f)).hasMessageContaining("rate: 1.5 (expected: 0..1)");
        Files.writeString(f, """
                duration: 20s
                timeline:
                  - { at: 25s, backend: b3, action: kill }
                """);
        assertThatThrownBy(() -> Scenario.load(f)).hasMessageContaining("timeline.at: PT25S (expected: < duration PT20S)");
        Files.writeString(f, """
                timeline:
                  - { at: 5s, backend: b9, action: explode }
                """);
        assertThatThrownBy(() -> Scenario.load(f)).hasMessageContaining("timeline[0].action: 'explode'");
    }

    @Test
    void theGeneratedConfigsCarryTheFailoverFeatures(@TempDir Path dir) throws Exception {
        Scenario s = Scenario.load(Path.of("scenarios", "partial-errors.yaml"));
        List<Integer> ports = List.of(9001, 9002, 9003);
        new HaproxyBalancer().prepare(dir, 8080, ports, s);
        assertThat(Files.readString(dir.resolve("haproxy.cfg")))
                .contains("option httpchk GET /health", "observe layer7", "on-error mark-down", "retries 3",
                        "option redispatch", "retry-on all-retryable-errors", "server b3 127.0.0.1:9003");
        new NginxBalancer().prepare(dir, 8080, ports, s);
        assertThat(Files.readString(dir.resolve("nginx.conf")))
                .contains("max_fails=3", "proxy_next_upstream error timeout http_502 http_503 http_504",
                        "proxy_next_upstream_tries 3", "server 127.0.0.1:9002");
        Path jar = Files.createFile(dir.resolve("ballast.jar"));
        List<String> cmd = new BallastBalancer(jar).prepare(dir, 8080, ports, s);
        assertThat(cmd).contains("run", "-c");
        assertThat(Files.readString(dir.resolve("ballast.yaml")))
                .contains("path: /health", "interval: 1000ms", "rise: 2", "address: \"127.0.0.1:9001\"");
    }

    @Test
    void haproxyAndNginxAcceptTheirGeneratedConfigs(@TempDir Path dir) throws Exception {
        Scenario s = Scenario.load(Path.of("scenarios", "flapping.yaml"));
        List<Integer> ports = List.of(9001, 9002, 9003);
        if (onPath("haproxy")) {
            new HaproxyBalancer().prepare(dir, 8080, ports, s);
            assertThat(exit(dir, "haproxy", "-c", "-q", "-f", dir.resolve("haproxy.cfg").toString())).isZero();
        }
        if (onPath("nginx")) {
            List<String> cmd = new java.util.ArrayList<>(new NginxBalancer().prepare(dir, 8080, ports, s));
            cmd.add(1, "-t");
            assertThat(exit(dir, cmd.toArray(String[]::new))).isZero();
        }
        Assumptions.assumeTrue(onPath("haproxy") || onPath("nginx"), "neither haproxy nor nginx is installed");
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    private static int exit(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("check.out").toFile()).start();
        if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        if (p.exitValue() != 0) {
            System.err.println(Files.readString(dir.resolve("check.out")));
        }
        return p.exitValue();
    }

    @Test
    void theSheddingScenarioStepsTheRateAndMixesClasses(@TempDir Path dir) throws Exception {
        Scenario s = Scenario.load(Path.of("scenarios", "shedding.yaml"));
        Overload o = s.overload().orElseThrow();
        assertThat(o.steps()).extracting(Overload.Step::rps).containsExactly(300, 900, 300);
        assertThat(o.steps()).extracting(st -> st.at().toSeconds()).containsExactly(0L, 20L, 40L);
        assertThat(o.weights()).containsExactly(10, 50, 40);
        assertThat(o.header()).isEqualTo("X-Priority");
        assertThat(s.rate()).as("the warm-up's rate: the first step's").isEqualTo(300);
        assertThat(o.stepAt(Duration.ofSeconds(25))).isEqualTo(1);
        assertThat(s.faultAt()).isEmpty();
        Path jar = Files.createFile(dir.resolve("ballast.jar"));
        List<Integer> ports = List.of(9001, 9002, 9003);
        new BallastBalancer(jar).prepare(dir, 8080, ports, s);
        assertThat(Files.readString(dir.resolve("ballast.yaml")))
                .contains("    shedding: { priority_header: X-Priority, queue_timeout: 40ms }\n");
        assertThat(s.balancers()).containsExactly("ballast:least-request", "haproxy:leastconn",
                "nginx:least_conn");
        ((ProcessBalancer) Balancer.of("haproxy", jar)).prepare(dir, 8080, ports, s);
        assertThat(Files.readString(dir.resolve("haproxy.cfg")))
                .contains("on-error mark-down maxconn 6\n  timeout queue 40ms\n  server b1 ");
        ((ProcessBalancer) Balancer.of("nginx", jar)).prepare(dir, 8080, ports, s);
        assertThat(Files.readString(dir.resolve("nginx.conf"))).contains(" max_conns=6;\n");
        assertThatThrownBy(() -> Scenario.fromTree(tools.jackson.dataformat.yaml.YAMLMapper.builder().build()
                .readTree("rate_steps: [{at: 1s, rps: 100}]\n"), "x"))
                .hasMessageContaining("rate_steps: the first step must be at 0s");
    }
}
