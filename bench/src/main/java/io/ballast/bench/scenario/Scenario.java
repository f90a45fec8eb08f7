package io.ballast.bench.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * One failover scenario, read from a YAML file in {@code bench/scenarios/}: the backends, the load
 * and the timeline of faults. Every balancer under test sees the same scenario with the same seed.
 * Immutable; thread-safe.
 *
 * @param name          file-friendly name, used for result files
 * @param description   one sentence for the report
 * @param duration      length of the measured run
 * @param warmup        load before the measured run (not recorded), so health checks settle
 * @param rate          requests per second, open loop
 * @param seed          seeds service times and error draws
 * @param clientTimeout a request not answered within this is a failure
 * @param backends      the backends (b1, b2, ...)
 * @param health        the health-check settings every balancer is given
 * @param watch         the backend the faults happen to; time-to-stop and time-to-return are about it
 * @param timeline      the actions, in time order
 * @param balancers     the balancers to compare when the command line names none, as
 *                      {@link Balancer#of} reads them ("ballast:auto", "haproxy:leastconn"); empty:
 *                      the command line's (by default ballast, haproxy and nginx)
 * @param ballastPool   pool settings (YAML, at pool level) that replace ballast's default failover
 *                      settings, e.g. to compare algorithms without a latency-based circuit breaker
 * @param overload      the rate in steps and the mix of request classes ({@code rate_steps},
 *                      {@code priorities}); empty: the constant {@code rate}, no classes
 * @param serverOptions what the competitors get beside the defaults, for an overload run their
 *                      best queue settings: {@code haproxy_server} (appended to each server,
 *                      e.g. "maxconn 8"), {@code haproxy_backend} (lines in the backend, e.g.
 *                      "timeout queue 200ms"), {@code nginx_server} (appended to each server,
 *                      e.g. "max_conns=8")
 * @param oracle        whether the oracle runs beside the balancers ({@code oracle}, default true;
 *                      {@code --no-oracle} on the command line turns it off for every scenario)
 */
public record Scenario(
        String name,
        String description,
        Duration duration,
        Duration warmup,
        int rate,
        long seed,
        Duration clientTimeout,
        List<BackendSpec> backends,
        HealthCheck health,
        String watch,
        List<Action> timeline,
        List<String> balancers,
        Optional<String> ballastPool,
        Optional<Overload> overload,
        java.util.Map<String, String> serverOptions,
        boolean oracle) {

    /**
     * One controllable backend's configured behaviour.
     *
     * @param name        b1, b2, ...
     * @param capacity    requests worked on at once; more queue (> 0)
     * @param serviceTime time each request takes
     * @param errorRate   share answered 503 at once (0..1)
     */
    public record BackendSpec(String name, int capacity, ServiceTime serviceTime, double errorRate) {
        public BackendSpec {
            if (capacity <= 0) {
                throw new IllegalArgumentException("capacity: " + capacity + " (expected: > 0)");
            }
            if (errorRate < 0 || errorRate > 1) {
                throw new IllegalArgumentException("error_rate: " + errorRate + " (expected: 0..1)");
            }
        }
    }

    /**
     * Active health-check settings, translated into each balancer's own syntax.
     *
     * @param interval time between checks
     * @param timeout  a check not answered within this fails (<= interval)
     * @param rise     consecutive passes to come back
     * @param fall     consecutive failures to go down
     */
    public record HealthCheck(Duration interval, Duration timeout, int rise, int fall) {
        public HealthCheck {
            if (timeout.compareTo(interval) > 0) {
                throw new IllegalArgumentException(
                        "health_check.timeout: " + timeout + " (expected: <= interval " + interval + ")");
            }
            if (rise <= 0 || fall <= 0) {
                throw new IllegalArgumentException(
                        "health_check.rise/fall: " + rise + "/" + fall + " (expected: > 0)");
            }
        }
    }

    public Scenario {
        if (rate <= 0) {
            throw new IllegalArgumentException("rate: " + rate + " (expected: > 0)");
        }
        if (duration.isZero() || duration.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("duration: " + duration + " (expected: 1s..10m)");
        }
        if (backends.size() < 2) {
            throw new IllegalArgumentException("backends.count: " + backends.size() + " (expected: >= 2)");
        }
        Set<String> names = Set.copyOf(backends.stream().map(BackendSpec::name).toList());
        if (!names.contains(watch)) {
            throw new IllegalArgumentException("watch: '" + watch + "' (expected: one of " + names + ")");
        }
        for (Action a : timeline) {
            if (!names.contains(a.backend())) {
                throw new IllegalArgumentException("timeline.backend: '" + a.backend() + "' (expected: one of " + names + ")");
            }
            if (a.at().compareTo(duration) >= 0) {
                throw new IllegalArgumentException("timeline.at: " + a.at() + " (expected: < duration " + duration + ")");
            }
        }
        backends = List.copyOf(backends);
        balancers = List.copyOf(balancers);
        serverOptions = java.util.Map.copyOf(serverOptions);
        for (String k : serverOptions.keySet()) {
            if (!Set.of("haproxy_server", "haproxy_backend", "nginx_server").contains(k)) {
                throw new IllegalArgumentException("server_options." + k
                        + " (expected: haproxy_server, haproxy_backend or nginx_server)");
            }
        }
        timeline = timeline.stream().sorted(Comparator.comparing(Action::at)).toList();
    }

    /** When the first fault hits the watched backend. */
    public Optional<Duration> faultAt() {
        return timeline.stream().filter(a -> a.backend().equals(watch) && a.kind().fault())
                .map(Action::at).findFirst();
    }

    /** When the watched backend is made well again after its first fault. */
    public Optional<Duration> recoveryAt() {
        Optional<Duration> fault = faultAt();
        return fault.flatMap(f -> timeline.stream()
                .filter(a -> a.backend().equals(watch) && !a.kind().fault() && a.at().compareTo(f) > 0)
                .map(Action::at).findFirst());
    }

    /** Index of the watched backend in {@link #backends()}. */
    public int watchIndex() {
        return indexOf(watch);
    }

    /** Index of backend {@code name} in {@link #backends()}. */
    public int indexOf(String name) {
        for (int i = 0; i < backends.size(); i++) {
            if (backends.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("backend: '" + name + "' (expected: a backend of the scenario)");
    }

    /** Reads a scenario file; errors name the file and the field. */
    public static Scenario load(Path file) throws IOException {
        JsonNode root = YAMLMapper.builder().build().readTree(Files.readString(file));
        try {
            return fromTree(root, file.getFileName().toString().replaceFirst("\\.ya?ml$", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    static Scenario fromTree(JsonNode root, String defaultName) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("the file must be a mapping");
        }
        JsonNode b = root.path("backends");
        List<BackendSpec> backends = new ArrayList<>();
        if (b.isArray()) {
            // One entry per backend, each with its own capacity and service time.
            int i = 0;
            for (JsonNode e : b.values()) {
                i++;
                backends.add(backend(e, "backends[" + (i - 1) + "].", e.path("name").asString("b" + i)));
            }
        } else {
            int count = b.path("count").asInt(3);
            for (int i = 1; i <= count; i++) {
                backends.add(backend(b, "backends.", "b" + i));
            }
        }
        int count = backends.size();
        JsonNode h = root.path("health_check");
        HealthCheck health = new HealthCheck(
                Durations.parse("health_check.interval", h.path("interval").asString("1s")),
                Durations.parse("health_check.timeout", h.path("timeout").asString("500ms")),
                h.path("rise").asInt(2), h.path("fall").asInt(2));
        List<Action> timeline = new ArrayList<>();
        int i = 0;
        for (JsonNode a : root.path("timeline").values()) {
            String field = "timeline[" + i++ + "]";
            Action.Kind kind = Action.Kind.of(field + ".action", a.path("action").asString(""));
            double value = switch (kind) {
                case SLOW -> a.path("factor").asDouble(10);
                case ERRORS -> a.path("rate").asDouble(0.3);
                case FLAP -> Durations.parse(field + ".period", a.path("period").asString("2s")).toMillis() / 1000.0;
                case STALL -> Durations.parse(field + ".length", a.path("length").asString("1s")).toMillis() / 1000.0;
                default -> 0;
            };
            timeline.add(new Action(Durations.parse(field + ".at", a.path("at").asString("")),
                    a.path("backend").asString(""), kind, value));
        }
        Overload overload = Overload.fromTree(root);
        java.util.Map<String, String> serverOptions = new java.util.LinkedHashMap<>();
        root.path("server_options").properties().forEach(e -> serverOptions.put(e.getKey(), e.getValue().asString("")));
        return new Scenario(
                root.path("name").asString(defaultName),
                root.path("description").asString(""),
                Durations.parse("duration", root.path("duration").asString("45s")),
                Durations.parse("warmup", root.path("warmup").asString("5s")),
                overload != null ? overload.steps().get(0).rps() : root.path("rate").asInt(300),
                root.path("seed").asLong(42),
                Durations.parse("client_timeout", root.path("client_timeout").asString("5s")),
                backends, health,
                root.path("watch").asString("b" + count),
                timeline,
                root.path("balancers").values().stream().map(n -> n.asString("")).toList(),
                root.path("ballast_pool").isMissingNode()
                        ? Optional.empty() : Optional.of(root.path("ballast_pool").asString("")),
                Optional.ofNullable(overload), serverOptions,
                root.path("oracle").asBoolean(true));
    }

    private static BackendSpec backend(JsonNode b, String field, String name) {
        JsonNode st = b.path("service_time");
        ServiceTime serviceTime = new ServiceTime(
                ServiceTime.Distribution.of(field + "service_time.distribution",
                        st.path("distribution").asString("lognormal")),
                Durations.parse(field + "service_time.mean", st.path("mean").asString("5ms")));
        return new BackendSpec(name, b.path("capacity").asInt(32), serviceTime, b.path("error_rate").asDouble(0));
    }
}
