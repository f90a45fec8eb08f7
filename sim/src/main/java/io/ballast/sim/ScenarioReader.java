package io.ballast.sim;

import io.ballast.core.pick.Algorithm;
import io.ballast.core.pick.AlgorithmOptions;
import io.ballast.core.retry.RetryBudgetSettings;
import io.ballast.core.retry.RetrySettings;
import io.ballast.core.shed.Priority;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a scenario from YAML: the scenario format itself (its sections, their fields, ranges and
 * defaults), documented in docs/simulator.md. The file is first read into a {@link YamlTree} that
 * keeps each value's line and column, and every value is read through a {@link NodeReader}, so
 * that every error names the field and its place:
 * {@code "slow.yaml:14:12: backends[1].slots: 0 (expected: an integer in 1..1000000)"}; unknown
 * keys are errors too (a typo must not silently fall back to a default).
 *
 * <p>Thread-safe and stateless.
 */
public final class ScenarioReader {
  private static final Set<String> TOP = Set.of("name", "seed", "duration", "warmup", "bucket",
      "clients", "backends", "health_checks", "retries", "algorithms", "variants", "oracle");

  private final String source;
  private final NodeReader in;
  private final FeatureRegistry features;

  private ScenarioReader(String source, FeatureRegistry features) {
    this.source = source;
    this.in = new NodeReader(source);
    this.features = features;
  }

  /** Reads a scenario file with the default features. */
  public static Scenario read(Path file) {
    return read(file, FeatureRegistry.defaults());
  }

  /** Reads a scenario file whose variants may use {@code features}. */
  public static Scenario read(Path file, FeatureRegistry features) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read scenario " + file + ": " + e.getMessage(), e);
    }
    return parse(text, file.getFileName().toString(), features);
  }

  /**
   * Parses scenario text; {@code source} names it in errors. A scenario without a name is named
   * after the source (without {@code .yaml}).
   */
  public static Scenario parse(String text, String source, FeatureRegistry features) {
    return new ScenarioReader(source, features).scenario(YamlTree.parse(text, source));
  }

  private Scenario scenario(YamlNode root) {
    Map<String, YamlNode> m = in.map(root, TOP);
    String fallbackName = source.endsWith(".yaml") ? source.substring(0, source.length() - 5)
        : source.endsWith(".yml") ? source.substring(0, source.length() - 4) : source;
    String name = in.opt(m, "name", in::string, fallbackName);
    long seed = in.opt(m, "seed", n -> in.integer(n, Long.MIN_VALUE, Long.MAX_VALUE), 1L);
    Duration duration = in.duration(in.required(root, m, "duration"));
    Duration warmup = in.opt(m, "warmup", in::duration, Duration.ZERO);
    Duration bucket = in.opt(m, "bucket", in::duration, Duration.ofSeconds(1));
    ClientSpec clients = clients(in.required(root, m, "clients"));
    List<BackendSpec> backends = new ArrayList<>();
    for (YamlNode b : in.list(in.required(root, m, "backends"))) {
      backends.add(backend(b));
    }
    HealthCheckSpec health = in.opt(m, "health_checks", this::health, HealthCheckSpec.DEFAULTS);
    RetrySettings retries = in.opt(m, "retries", this::retries, RetrySettings.DEFAULTS);
    List<VariantSpec> variants = new ArrayList<>();
    YamlNode algorithms = m.get("algorithms");
    if (algorithms != null) {
      for (YamlNode a : in.list(algorithms)) {
        variants.add(shorthand(a));
      }
    }
    YamlNode vs = m.get("variants");
    if (vs != null) {
      for (YamlNode v : in.list(vs)) {
        variants.add(variant(v));
      }
    }
    if (variants.isEmpty()) {
      throw new ScenarioException(source, "variants", root.line(), root.column(),
          "missing (expected: 'algorithms' or 'variants' naming what to compare)");
    }
    // The yardstick every variant is measured against: added unless the scenario has it or
    // says 'oracle: false'.
    boolean oracle = in.opt(m, "oracle", in::bool, true);
    List<VariantSpec> all = variants;
    Scenario read = in.build(vs != null ? vs : root, () -> new Scenario(name, seed, duration,
        warmup, bucket, clients, backends, health, retries, all));
    return oracle ? in.build(root, read::withOracle) : read;
  }

  private ClientSpec clients(YamlNode n) {
    Map<String, YamlNode> m = in.map(n, Set.of("rate", "timeout", "priorities"));
    RateProfile rate = rate(in.required(n, m, "rate"));
    Duration timeout = in.opt(m, "timeout", in::duration, Duration.ZERO);
    Map<Priority, Double> mix = in.opt(m, "priorities", this::priorities,
        Map.of(Priority.DEFAULT, 1.0));
    return in.build(n, () -> new ClientSpec(rate, timeout, mix));
  }

  /** {@code {critical: 10, default: 50, sheddable: 40}}: relative weights of the classes. */
  private Map<Priority, Double> priorities(YamlNode n) {
    Map<String, YamlNode> m = in.map(n, Set.of("critical", "default", "sheddable"));
    Map<Priority, Double> mix = new java.util.EnumMap<>(Priority.class);
    for (Map.Entry<String, YamlNode> e : m.entrySet()) {
      mix.put(Priority.byLabel(e.getKey()), in.number(e.getValue(), 0, 1e9));
    }
    return mix;
  }

  private RateProfile rate(YamlNode n) {
    if (n.value() instanceof Number) {
      double v = in.number(n, 0, 1e9);
      return in.build(n, () -> new RateProfile.Constant(v));
    }
    Map<String, YamlNode> m = in.map(n, Set.of("constant", "steps", "ramp", "daily", "bursts"));
    List<String> shapes = new ArrayList<>();
    for (String k : List.of("constant", "steps", "ramp", "daily")) {
      if (m.containsKey(k)) {
        shapes.add(k);
      }
    }
    if (shapes.size() != 1) {
      throw in.error(n, (shapes.isEmpty() ? "no shape" : "shapes " + shapes)
          + " (expected: exactly one of constant, steps, ramp, daily; bursts may be added)");
    }
    YamlNode s = m.get(shapes.get(0));
    RateProfile base = switch (shapes.get(0)) {
      case "constant" -> {
        double v = in.number(s, 0, 1e9);
        yield in.build(s, () -> new RateProfile.Constant(v));
      }
      case "steps" -> {
        List<RateProfile.Step> steps = new ArrayList<>();
        for (YamlNode step : in.list(s)) {
          Map<String, YamlNode> sm = in.map(step, Set.of("at", "rps"));
          Duration at = in.duration(in.required(step, sm, "at"));
          double rps = in.number(in.required(step, sm, "rps"), 0, 1e9);
          steps.add(new RateProfile.Step(at, rps));
        }
        yield in.build(s, () -> new RateProfile.Steps(steps));
      }
      case "ramp" -> {
        Map<String, YamlNode> rm = in.map(s, Set.of("from", "to", "start", "end"));
        double from = in.number(in.required(s, rm, "from"), 0, 1e9);
        double to = in.number(in.required(s, rm, "to"), 0, 1e9);
        Duration start = in.opt(rm, "start", in::duration, Duration.ZERO);
        Duration end = in.duration(in.required(s, rm, "end"));
        yield in.build(s, () -> new RateProfile.Ramp(from, to, start, end));
      }
      default -> {
        Map<String, YamlNode> dm = in.map(s, Set.of("min", "max", "period", "peak_at"));
        double min = in.number(in.required(s, dm, "min"), 0, 1e9);
        double max = in.number(in.required(s, dm, "max"), 0, 1e9);
        Duration period = in.duration(in.required(s, dm, "period"));
        Duration peak = in.opt(dm, "peak_at", in::duration, period.dividedBy(2));
        yield in.build(s, () -> new RateProfile.Daily(min, max, period, peak));
      }
    };
    YamlNode bursts = m.get("bursts");
    if (bursts == null) {
      return base;
    }
    List<RateProfile.Burst> list = new ArrayList<>();
    for (YamlNode b : in.list(bursts)) {
      Map<String, YamlNode> bm = in.map(b, Set.of("at", "for", "rps"));
      Duration at = in.duration(in.required(b, bm, "at"));
      Duration length = in.duration(in.required(b, bm, "for"));
      double rps = in.number(in.required(b, bm, "rps"), 0, 1e9);
      list.add(in.build(b, () -> new RateProfile.Burst(at, length, rps)));
    }
    return new RateProfile.WithBursts(base, list);
  }

  private BackendSpec backend(YamlNode n) {
    Map<String, YamlNode> m = in.map(n, Set.of("name", "weight", "slots", "queue", "service",
        "errors", "timeline"));
    String name = in.string(in.required(n, m, "name"));
    int weight = (int) (long) in.opt(m, "weight", x -> in.integer(x, 1, 256), 1L);
    int slots = (int) (long) in.opt(m, "slots", x -> in.integer(x, 1, 1_000_000), 1L);
    int queue = (int) (long) in.opt(m, "queue", x -> in.integer(x, 0, 100_000_000), 1000L);
    ServiceTime service = service(in.required(n, m, "service"));
    double errorRate = 0;
    Duration errorLatency = Duration.ofMillis(1);
    int errorStatus = 503;
    ErrorKind errorKind = ErrorKind.STATUS;
    YamlNode errors = m.get("errors");
    if (errors != null) {
      Map<String, YamlNode> em = in.map(errors, Set.of("rate", "latency", "status", "kind"));
      errorRate = in.number(in.required(errors, em, "rate"), 0, 1);
      errorLatency = in.opt(em, "latency", in::duration, errorLatency);
      errorStatus = (int) (long) in.opt(em, "status", x -> in.integer(x, 400, 599), 503L);
      errorKind = in.opt(em, "kind", this::errorKind, errorKind);
    }
    List<BackendEvent> timeline = new ArrayList<>();
    YamlNode tl = m.get("timeline");
    if (tl != null) {
      for (YamlNode e : in.list(tl)) {
        timeline.add(event(e));
      }
    }
    double er = errorRate;
    Duration el = errorLatency;
    int es = errorStatus;
    ErrorKind ek = errorKind;
    return in.build(n, () -> new BackendSpec(name, weight, slots, queue, service, er, el, es, ek,
        timeline));
  }

  private ErrorKind errorKind(YamlNode n) {
    String name = in.string(n);
    ErrorKind k = ErrorKind.byConfigName(name);
    if (k == null) {
      throw in.error(n, "'" + name + "' (expected: one of status, reset, truncated, hang)");
    }
    return k;
  }

  private ServiceTime service(YamlNode n) {
    Map<String, YamlNode> m =
        in.map(n, Set.of("distribution", "mean", "p99", "fast", "slow", "slow_share"));
    String d = in.opt(m, "distribution", in::string, "exponential");
    if (d.equals("bimodal")) {
      Duration fast = in.duration(in.required(n, m, "fast"));
      Duration slow = in.duration(in.required(n, m, "slow"));
      double share = in.number(in.required(n, m, "slow_share"), 0, 1);
      return in.build(n, () -> new ServiceTime.Bimodal(fast, slow, share));
    }
    Duration mean = in.duration(in.required(n, m, "mean"));
    return switch (d) {
      case "constant" -> in.build(n, () -> new ServiceTime.Constant(mean));
      case "exponential" -> in.build(n, () -> new ServiceTime.Exponential(mean));
      case "lognormal" -> {
        Duration p99 = in.duration(in.required(n, m, "p99"));
        yield in.build(m.get("p99"), () -> new ServiceTime.LogNormal(mean, p99));
      }
      default -> throw in.error(m.get("distribution"), "'" + d
          + "' (expected: one of constant, exponential, lognormal, bimodal)");
    };
  }

  private BackendEvent event(YamlNode n) {
    Map<String, YamlNode> m = in.map(n, Set.of("at", "slowdown", "error_rate", "slots", "alive"));
    Duration at = in.duration(in.required(n, m, "at"));
    Double slowdown = in.opt(m, "slowdown", x -> in.number(x, 1e-6, 1e6), null);
    Double errorRate = in.opt(m, "error_rate", x -> in.number(x, 0, 1), null);
    Integer slots = in.opt(m, "slots", x -> (int) in.integer(x, 1, 1_000_000), null);
    Boolean alive = in.opt(m, "alive", in::bool, null);
    return in.build(n, () -> new BackendEvent(at, slowdown, errorRate, slots, alive));
  }

  private HealthCheckSpec health(YamlNode n) {
    Map<String, YamlNode> m = in.map(n, Set.of("enabled", "interval", "rise", "fall",
        "passive_down_time", "panic_threshold", "slow_start"));
    HealthCheckSpec d = HealthCheckSpec.DEFAULTS;
    boolean enabled = in.opt(m, "enabled", in::bool, d.enabled());
    Duration interval = in.opt(m, "interval", in::duration, d.interval());
    int rise = (int) (long) in.opt(m, "rise", x -> in.integer(x, 1, 1000), (long) d.rise());
    int fall = (int) (long) in.opt(m, "fall", x -> in.integer(x, 1, 1000), (long) d.fall());
    Duration passive = in.opt(m, "passive_down_time", in::duration, d.passiveDownTime());
    int panic = (int) (long) in.opt(m, "panic_threshold", x -> in.integer(x, 0, 100),
        (long) d.panicThreshold());
    Duration slowStart = in.opt(m, "slow_start", in::duration, d.slowStart());
    return in.build(n, () -> new HealthCheckSpec(enabled, interval, rise, fall, passive, panic,
        slowStart));
  }

  private RetrySettings retries(YamlNode n) {
    Map<String, YamlNode> m = in.map(n, Set.of("max_attempts", "per_try_timeout",
        "overall_timeout", "statuses", "budget"));
    RetrySettings d = RetrySettings.DEFAULTS;
    int max = (int) (long) in.opt(m, "max_attempts",
        x -> in.integer(x, 1, RetrySettings.MAX_ATTEMPTS_LIMIT), (long) d.maxAttempts());
    Duration perTry = in.opt(m, "per_try_timeout", in::duration, d.perTryTimeout());
    Duration overall = in.opt(m, "overall_timeout", in::duration, d.overallTimeout());
    Set<Integer> statuses = d.retryableStatuses();
    YamlNode st = m.get("statuses");
    if (st != null) {
      statuses = new LinkedHashSet<>();
      for (YamlNode s : in.list(st)) {
        statuses.add((int) in.integer(s, 400, 599));
      }
    }
    RetryBudgetSettings budget = d.budget();
    YamlNode b = m.get("budget");
    if (b != null) {
      if (b.value() instanceof Boolean on) {
        budget = on ? RetryBudgetSettings.DEFAULTS : RetryBudgetSettings.DISABLED;
      } else {
        Map<String, YamlNode> bm = in.map(b, Set.of("percent", "min_per_second", "window"));
        RetryBudgetSettings bd = RetryBudgetSettings.DEFAULTS;
        double percent = in.opt(bm, "percent", x -> in.number(x, 0, 100), bd.percent());
        double min = in.opt(bm, "min_per_second", x -> in.number(x, 0, 1_000_000),
            bd.minRetriesPerSecond());
        Duration window = in.opt(bm, "window", in::duration, bd.window());
        budget = in.build(b, () -> new RetryBudgetSettings(true, percent, min, window));
      }
    }
    Set<Integer> s = statuses;
    RetryBudgetSettings bs = budget;
    return in.build(n, () -> d.withMaxAttempts(max).withTimeouts(perTry, overall)
        .withRetryableStatuses(s).withBudget(bs));
  }

  private Algorithm algorithm(YamlNode n) {
    String name = in.string(n);
    return Algorithm.byConfigName(name).orElseThrow(() -> in.error(n,
        "'" + name + "' (expected one of: " + Algorithm.configNames() + ", or "
            + VariantSpec.ORACLE + ")"));
  }

  /** An algorithm's name, or {@code oracle}: that variant with its defaults. */
  private VariantSpec shorthand(YamlNode n) {
    if (VariantSpec.ORACLE.equals(n.value())) {
      return VariantSpec.oracle(VariantSpec.ORACLE);
    }
    return VariantSpec.of(algorithm(n));
  }

  private VariantSpec variant(YamlNode n) {
    if (n.value() instanceof String) {
      return shorthand(n);
    }
    Set<String> known = new LinkedHashSet<>(List.of("name", "algorithm", "options", "weights"));
    known.addAll(features.keys());
    Map<String, YamlNode> m = in.map(n, known);
    YamlNode algorithmNode = in.required(n, m, "algorithm");
    if (VariantSpec.ORACLE.equals(algorithmNode.value())) {
      Map<String, YamlNode> om = in.map(n, Set.of("name", "algorithm"));
      String name = in.opt(om, "name", in::string, VariantSpec.ORACLE);
      return in.build(n, () -> VariantSpec.oracle(name));
    }
    Algorithm algorithm = algorithm(algorithmNode);
    String name = in.opt(m, "name", in::string, algorithm.configName());
    AlgorithmOptions options = in.opt(m, "options", this::options, AlgorithmOptions.DEFAULTS);
    Map<String, Integer> weights = new LinkedHashMap<>();
    YamlNode w = m.get("weights");
    if (w != null) {
      if (!(w.value() instanceof Map)) {
        throw in.error(w,
            NodeReader.describe(w) + " (expected: a mapping of backend name to weight)");
      }
      for (Map.Entry<String, YamlNode> e : w.map().entrySet()) {
        weights.put(e.getKey(), (int) in.integer(e.getValue(), 1, 256));
      }
    }
    Map<String, Map<String, Object>> on = new LinkedHashMap<>();
    for (String key : features.keys()) {
      YamlNode f = m.get(key);
      if (f == null || Boolean.FALSE.equals(f.value()) || f.value() == null) {
        continue;
      }
      Map<String, Object> settings = Boolean.TRUE.equals(f.value()) ? Map.of() : in.plainMap(f);
      VariantFeature feature = features.get(key).orElseThrow();
      in.build(f, () -> {
        feature.validate(settings);
        return settings;
      });
      on.put(key, settings);
    }
    return in.build(n, () -> new VariantSpec(name, algorithm, options, weights, on));
  }

  private AlgorithmOptions options(YamlNode n) {
    Map<String, YamlNode> m = in.map(n, Set.of("choices", "active_request_bias", "ewma_decay",
        "connection_weight", "response_time_weight", "capacity", "ring_size",
        "maglev_table_size", "load_bound_epsilon"));
    AlgorithmOptions d = AlgorithmOptions.DEFAULTS;
    int choices = (int) (long) in.opt(m, "choices", x -> in.integer(x, 2, 64), (long) d.choices());
    double bias = in.opt(m, "active_request_bias", x -> in.number(x, 0, 10),
        d.activeRequestBias());
    Duration decay = in.opt(m, "ewma_decay", in::duration, d.ewmaDecay());
    double cw = in.opt(m, "connection_weight", x -> in.number(x, 0, 1e6), d.connectionWeight());
    double rw = in.opt(m, "response_time_weight", x -> in.number(x, 0, 1e6),
        d.responseTimeWeight());
    int capacity = (int) (long) in.opt(m, "capacity", x -> in.integer(x, 1, Integer.MAX_VALUE),
        (long) d.capacity());
    int ring = (int) (long) in.opt(m, "ring_size",
        x -> in.integer(x, 1, AlgorithmOptions.MAX_TABLE), (long) d.ringSize());
    int maglev = (int) (long) in.opt(m, "maglev_table_size",
        x -> in.integer(x, 3, AlgorithmOptions.MAX_TABLE), (long) d.maglevTableSize());
    double eps = in.opt(m, "load_bound_epsilon", x -> in.number(x, 0, 10), d.loadBoundEpsilon());
    return in.build(n, () -> new AlgorithmOptions(choices, bias, decay, cw, rw, capacity, ring,
        maglev, eps));
  }
}
