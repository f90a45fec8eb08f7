package io.ballast.sim;

import io.ballast.core.pick.Algorithm;
import io.ballast.core.pick.AlgorithmOptions;
import io.ballast.core.retry.RetryBudgetSettings;
import io.ballast.core.retry.RetrySettings;
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
import java.util.function.Function;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads a scenario from YAML (Jackson 3, YAML 1.2). The file is first read into a small tree
 * that keeps each value's line and column, so that every error names the field and its place:
 * {@code "slow.yaml:14:12: backends[1].slots: 0 (expected: >= 1)"}; unknown keys are errors too
 * (a typo must not silently fall back to a default). The format is documented in
 * docs/simulator.md.
 *
 * <p>Thread-safe and stateless.
 */
public final class ScenarioReader {
  private static final YAMLMapper MAPPER = YAMLMapper.builder().build();

  private static final Set<String> TOP = Set.of("name", "seed", "duration", "warmup", "bucket",
      "clients", "backends", "health_checks", "retries", "algorithms", "variants");

  private final String source;
  private final FeatureRegistry features;

  private ScenarioReader(String source, FeatureRegistry features) {
    this.source = source;
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
    return new ScenarioReader(source, features).scenario(tree(text, source));
  }

  // ---- the positioned tree

  /** A value and where it starts: a map (keys in file order), a list, or a scalar. */
  private record Node(Object value, int line, int column, String path) {
    @SuppressWarnings("unchecked")
    Map<String, Node> map() {
      return (Map<String, Node>) value;
    }

    @SuppressWarnings("unchecked")
    List<Node> list() {
      return (List<Node>) value;
    }
  }

  private static Node tree(String text, String source) {
    try (JsonParser p = MAPPER.createParser(text)) {
      if (p.nextToken() == null) {
        throw new ScenarioException(source, "", 0, 0, "the file is empty (expected: a scenario)");
      }
      Node root = node(p, source, "");
      if (p.nextToken() != null) {
        TokenStreamLocation l = p.currentTokenLocation();
        throw new ScenarioException(source, "", l.getLineNr(), l.getColumnNr(),
            "a second YAML document (expected: one)");
      }
      return root;
    } catch (JacksonException e) {
      TokenStreamLocation l = e.getLocation();
      throw new ScenarioException(source, "", l == null ? 0 : l.getLineNr(),
          l == null ? 0 : l.getColumnNr(), "YAML syntax error: " + e.getOriginalMessage());
    }
  }

  private static Node node(JsonParser p, String source, String path) {
    TokenStreamLocation l = p.currentTokenLocation();
    int line = l.getLineNr();
    int col = l.getColumnNr();
    JsonToken t = p.currentToken();
    switch (t) {
      case START_OBJECT: {
        Map<String, Node> m = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
          String key = p.currentName();
          TokenStreamLocation kl = p.currentTokenLocation();
          p.nextToken();
          String child = path.isEmpty() ? key : path + "." + key;
          if (m.put(key, node(p, source, child)) != null) {
            throw new ScenarioException(source, child, kl.getLineNr(), kl.getColumnNr(),
                "duplicate key (expected: each key once)");
          }
        }
        return new Node(m, line, col, path);
      }
      case START_ARRAY: {
        List<Node> items = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          items.add(node(p, source, path + "[" + items.size() + "]"));
        }
        return new Node(items, line, col, path);
      }
      case VALUE_STRING:
        return new Node(p.getString(), line, col, path);
      case VALUE_NUMBER_INT:
        return new Node(p.getLongValue(), line, col, path);
      case VALUE_NUMBER_FLOAT:
        return new Node(p.getDoubleValue(), line, col, path);
      case VALUE_TRUE:
        return new Node(Boolean.TRUE, line, col, path);
      case VALUE_FALSE:
        return new Node(Boolean.FALSE, line, col, path);
      case VALUE_NULL:
        return new Node(null, line, col, path);
      default:
        throw new ScenarioException(source, path, line, col,
            "unsupported YAML value " + t + " (expected: a plain value)");
    }
  }

  // ---- typed access with errors that point at the field

  private ScenarioException error(Node n, String problem) {
    return new ScenarioException(source, n.path(), n.line(), n.column(), problem);
  }

  private Map<String, Node> map(Node n, Set<String> known) {
    if (!(n.value() instanceof Map)) {
      throw error(n, describe(n) + " (expected: a mapping)");
    }
    for (Map.Entry<String, Node> e : n.map().entrySet()) {
      if (!known.contains(e.getKey())) {
        throw error(e.getValue(), "unknown field (expected one of: "
            + String.join(", ", new java.util.TreeSet<>(known)) + ")");
      }
    }
    return n.map();
  }

  private List<Node> list(Node n) {
    if (!(n.value() instanceof List)) {
      throw error(n, describe(n) + " (expected: a list)");
    }
    return n.list();
  }

  private Node required(Node parent, Map<String, Node> m, String key) {
    Node n = m.get(key);
    if (n == null || n.value() == null) {
      throw new ScenarioException(source, parent.path().isEmpty() ? key : parent.path() + "." + key,
          parent.line(), parent.column(), "missing (expected: a value)");
    }
    return n;
  }

  private static String describe(Node n) {
    return Durations.describe(n.value());
  }

  private String string(Node n) {
    if (!(n.value() instanceof String s) || s.isBlank()) {
      throw error(n, describe(n) + " (expected: a non-empty string)");
    }
    return s;
  }

  private long integer(Node n, long min, long max) {
    if (!(n.value() instanceof Long v) || v < min || v > max) {
      throw error(n, describe(n) + " (expected: an integer in " + min + ".." + max + ")");
    }
    return v;
  }

  private double number(Node n, double min, double max) {
    if (!(n.value() instanceof Number v) || !(v.doubleValue() >= min && v.doubleValue() <= max)) {
      throw error(n, describe(n) + " (expected: a number in " + min + ".." + max + ")");
    }
    return v.doubleValue();
  }

  private boolean bool(Node n) {
    if (!(n.value() instanceof Boolean b)) {
      throw error(n, describe(n) + " (expected: true or false)");
    }
    return b;
  }

  private Duration duration(Node n) {
    try {
      return Durations.parse(n.path(), n.value());
    } catch (IllegalArgumentException e) {
      throw error(n, describe(n) + " (expected: a duration such as 250ms, 1.5s, 2m)");
    }
  }

  private <T> T opt(Map<String, Node> m, String key, Function<Node, T> read, T fallback) {
    Node n = m.get(key);
    return n == null || n.value() == null ? fallback : read.apply(n);
  }

  /** Builds a value, turning a constructor's IllegalArgumentException into an error at {@code n}. */
  private <T> T build(Node n, java.util.function.Supplier<T> constructor) {
    try {
      return constructor.get();
    } catch (IllegalArgumentException e) {
      throw error(n, e.getMessage());
    }
  }

  // ---- the scenario

  private Scenario scenario(Node root) {
    Map<String, Node> m = map(root, TOP);
    String fallbackName = source.endsWith(".yaml") ? source.substring(0, source.length() - 5)
        : source.endsWith(".yml") ? source.substring(0, source.length() - 4) : source;
    String name = opt(m, "name", this::string, fallbackName);
    long seed = opt(m, "seed", n -> integer(n, Long.MIN_VALUE, Long.MAX_VALUE), 1L);
    Duration duration = duration(required(root, m, "duration"));
    Duration warmup = opt(m, "warmup", this::duration, Duration.ZERO);
    Duration bucket = opt(m, "bucket", this::duration, Duration.ofSeconds(1));
    ClientSpec clients = clients(required(root, m, "clients"));
    List<BackendSpec> backends = new ArrayList<>();
    for (Node b : list(required(root, m, "backends"))) {
      backends.add(backend(b));
    }
    HealthCheckSpec health = opt(m, "health_checks", this::health, HealthCheckSpec.DEFAULTS);
    RetrySettings retries = opt(m, "retries", this::retries, RetrySettings.DEFAULTS);
    List<VariantSpec> variants = new ArrayList<>();
    Node algorithms = m.get("algorithms");
    if (algorithms != null) {
      for (Node a : list(algorithms)) {
        variants.add(VariantSpec.of(algorithm(a)));
      }
    }
    Node vs = m.get("variants");
    if (vs != null) {
      for (Node v : list(vs)) {
        variants.add(variant(v));
      }
    }
    if (variants.isEmpty()) {
      throw new ScenarioException(source, "variants", root.line(), root.column(),
          "missing (expected: 'algorithms' or 'variants' naming what to compare)");
    }
    List<VariantSpec> all = variants;
    return build(vs != null ? vs : root, () -> new Scenario(name, seed, duration,
        warmup, bucket, clients, backends, health, retries, all));
  }

  private ClientSpec clients(Node n) {
    Map<String, Node> m = map(n, Set.of("rate", "timeout"));
    RateProfile rate = rate(required(n, m, "rate"));
    Duration timeout = opt(m, "timeout", this::duration, Duration.ZERO);
    return build(n, () -> new ClientSpec(rate, timeout));
  }

  private RateProfile rate(Node n) {
    if (n.value() instanceof Number) {
      double v = number(n, 0, 1e9);
      return build(n, () -> new RateProfile.Constant(v));
    }
    Map<String, Node> m = map(n, Set.of("constant", "steps", "ramp", "daily", "bursts"));
    List<String> shapes = new ArrayList<>();
    for (String k : List.of("constant", "steps", "ramp", "daily")) {
      if (m.containsKey(k)) {
        shapes.add(k);
      }
    }
    if (shapes.size() != 1) {
      throw error(n, (shapes.isEmpty() ? "no shape" : "shapes " + shapes)
          + " (expected: exactly one of constant, steps, ramp, daily; bursts may be added)");
    }
    Node s = m.get(shapes.get(0));
    RateProfile base = switch (shapes.get(0)) {
      case "constant" -> {
        double v = number(s, 0, 1e9);
        yield build(s, () -> new RateProfile.Constant(v));
      }
      case "steps" -> {
        List<RateProfile.Step> steps = new ArrayList<>();
        for (Node step : list(s)) {
          Map<String, Node> sm = map(step, Set.of("at", "rps"));
          Duration at = duration(required(step, sm, "at"));
          double rps = number(required(step, sm, "rps"), 0, 1e9);
          steps.add(new RateProfile.Step(at, rps));
        }
        yield build(s, () -> new RateProfile.Steps(steps));
      }
      case "ramp" -> {
        Map<String, Node> rm = map(s, Set.of("from", "to", "start", "end"));
        double from = number(required(s, rm, "from"), 0, 1e9);
        double to = number(required(s, rm, "to"), 0, 1e9);
        Duration start = opt(rm, "start", this::duration, Duration.ZERO);
        Duration end = duration(required(s, rm, "end"));
        yield build(s, () -> new RateProfile.Ramp(from, to, start, end));
      }
      default -> {
        Map<String, Node> dm = map(s, Set.of("min", "max", "period", "peak_at"));
        double min = number(required(s, dm, "min"), 0, 1e9);
        double max = number(required(s, dm, "max"), 0, 1e9);
        Duration period = duration(required(s, dm, "period"));
        Duration peak = opt(dm, "peak_at", this::duration, period.dividedBy(2));
        yield build(s, () -> new RateProfile.Daily(min, max, period, peak));
      }
    };
    Node bursts = m.get("bursts");
    if (bursts == null) {
      return base;
    }
    List<RateProfile.Burst> list = new ArrayList<>();
    for (Node b : list(bursts)) {
      Map<String, Node> bm = map(b, Set.of("at", "for", "rps"));
      Duration at = duration(required(b, bm, "at"));
      Duration length = duration(required(b, bm, "for"));
      double rps = number(required(b, bm, "rps"), 0, 1e9);
      list.add(build(b, () -> new RateProfile.Burst(at, length, rps)));
    }
    return new RateProfile.WithBursts(base, list);
  }

  private BackendSpec backend(Node n) {
    Map<String, Node> m = map(n, Set.of("name", "weight", "slots", "queue", "service", "errors",
        "timeline"));
    String name = string(required(n, m, "name"));
    int weight = (int) (long) opt(m, "weight", x -> integer(x, 1, 256), 1L);
    int slots = (int) (long) opt(m, "slots", x -> integer(x, 1, 1_000_000), 1L);
    int queue = (int) (long) opt(m, "queue", x -> integer(x, 0, 100_000_000), 1000L);
    ServiceTime service = service(required(n, m, "service"));
    double errorRate = 0;
    Duration errorLatency = Duration.ofMillis(1);
    int errorStatus = 503;
    ErrorKind errorKind = ErrorKind.STATUS;
    Node errors = m.get("errors");
    if (errors != null) {
      Map<String, Node> em = map(errors, Set.of("rate", "latency", "status", "kind"));
      errorRate = number(required(errors, em, "rate"), 0, 1);
      errorLatency = opt(em, "latency", this::duration, errorLatency);
      errorStatus = (int) (long) opt(em, "status", x -> integer(x, 400, 599), 503L);
      errorKind = opt(em, "kind", this::errorKind, errorKind);
    }
    List<BackendEvent> timeline = new ArrayList<>();
    Node tl = m.get("timeline");
    if (tl != null) {
      for (Node e : list(tl)) {
        timeline.add(event(e));
      }
    }
    double er = errorRate;
    Duration el = errorLatency;
    int es = errorStatus;
    ErrorKind ek = errorKind;
    return build(n, () -> new BackendSpec(name, weight, slots, queue, service, er, el, es, ek,
        timeline));
  }

  private ErrorKind errorKind(Node n) {
    String name = string(n);
    ErrorKind k = ErrorKind.byConfigName(name);
    if (k == null) {
      throw error(n, "'" + name + "' (expected: one of status, reset, truncated, hang)");
    }
    return k;
  }

  private ServiceTime service(Node n) {
    Map<String, Node> m = map(n, Set.of("distribution", "mean", "p99"));
    String d = opt(m, "distribution", this::string, "exponential");
    Duration mean = duration(required(n, m, "mean"));
    return switch (d) {
      case "constant" -> build(n, () -> new ServiceTime.Constant(mean));
      case "exponential" -> build(n, () -> new ServiceTime.Exponential(mean));
      case "lognormal" -> {
        Duration p99 = duration(required(n, m, "p99"));
        yield build(m.get("p99"), () -> new ServiceTime.LogNormal(mean, p99));
      }
      default -> throw error(m.get("distribution"), "'" + d
          + "' (expected: one of constant, exponential, lognormal)");
    };
  }

  private BackendEvent event(Node n) {
    Map<String, Node> m = map(n, Set.of("at", "slowdown", "error_rate", "slots", "alive"));
    Duration at = duration(required(n, m, "at"));
    Double slowdown = opt(m, "slowdown", x -> number(x, 1e-6, 1e6), null);
    Double errorRate = opt(m, "error_rate", x -> number(x, 0, 1), null);
    Integer slots = opt(m, "slots", x -> (int) integer(x, 1, 1_000_000), null);
    Boolean alive = opt(m, "alive", this::bool, null);
    return build(n, () -> new BackendEvent(at, slowdown, errorRate, slots, alive));
  }

  private HealthCheckSpec health(Node n) {
    Map<String, Node> m = map(n, Set.of("enabled", "interval", "rise", "fall",
        "passive_down_time", "panic_threshold", "slow_start"));
    HealthCheckSpec d = HealthCheckSpec.DEFAULTS;
    boolean enabled = opt(m, "enabled", this::bool, d.enabled());
    Duration interval = opt(m, "interval", this::duration, d.interval());
    int rise = (int) (long) opt(m, "rise", x -> integer(x, 1, 1000), (long) d.rise());
    int fall = (int) (long) opt(m, "fall", x -> integer(x, 1, 1000), (long) d.fall());
    Duration passive = opt(m, "passive_down_time", this::duration, d.passiveDownTime());
    int panic = (int) (long) opt(m, "panic_threshold", x -> integer(x, 0, 100),
        (long) d.panicThreshold());
    Duration slowStart = opt(m, "slow_start", this::duration, d.slowStart());
    return build(n, () -> new HealthCheckSpec(enabled, interval, rise, fall, passive, panic,
        slowStart));
  }

  private RetrySettings retries(Node n) {
    Map<String, Node> m = map(n, Set.of("max_attempts", "per_try_timeout", "overall_timeout",
        "statuses", "budget"));
    RetrySettings d = RetrySettings.DEFAULTS;
    int max = (int) (long) opt(m, "max_attempts",
        x -> integer(x, 1, RetrySettings.MAX_ATTEMPTS_LIMIT), (long) d.maxAttempts());
    Duration perTry = opt(m, "per_try_timeout", this::duration, d.perTryTimeout());
    Duration overall = opt(m, "overall_timeout", this::duration, d.overallTimeout());
    Set<Integer> statuses = d.retryableStatuses();
    Node st = m.get("statuses");
    if (st != null) {
      statuses = new LinkedHashSet<>();
      for (Node s : list(st)) {
        statuses.add((int) integer(s, 400, 599));
      }
    }
    RetryBudgetSettings budget = d.budget();
    Node b = m.get("budget");
    if (b != null) {
      if (b.value() instanceof Boolean on) {
        budget = on ? RetryBudgetSettings.DEFAULTS : RetryBudgetSettings.DISABLED;
      } else {
        Map<String, Node> bm = map(b, Set.of("percent", "min_per_second", "window"));
        RetryBudgetSettings bd = RetryBudgetSettings.DEFAULTS;
        double percent = opt(bm, "percent", x -> number(x, 0, 100), bd.percent());
        double min = opt(bm, "min_per_second", x -> number(x, 0, 1_000_000),
            bd.minRetriesPerSecond());
        Duration window = opt(bm, "window", this::duration, bd.window());
        budget = build(b, () -> new RetryBudgetSettings(true, percent, min, window));
      }
    }
    Set<Integer> s = statuses;
    RetryBudgetSettings bs = budget;
    return build(n, () -> d.withMaxAttempts(max).withTimeouts(perTry, overall)
        .withRetryableStatuses(s).withBudget(bs));
  }

  private Algorithm algorithm(Node n) {
    String name = string(n);
    return Algorithm.byConfigName(name).orElseThrow(() -> error(n,
        "'" + name + "' (expected one of: " + Algorithm.configNames() + ")"));
  }

  private VariantSpec variant(Node n) {
    if (n.value() instanceof String) {
      return VariantSpec.of(algorithm(n));
    }
    Set<String> known = new LinkedHashSet<>(List.of("name", "algorithm", "options", "weights"));
    known.addAll(features.keys());
    Map<String, Node> m = map(n, known);
    Algorithm algorithm = algorithm(required(n, m, "algorithm"));
    String name = opt(m, "name", this::string, algorithm.configName());
    AlgorithmOptions options = opt(m, "options", this::options, AlgorithmOptions.DEFAULTS);
    Map<String, Integer> weights = new LinkedHashMap<>();
    Node w = m.get("weights");
    if (w != null) {
      if (!(w.value() instanceof Map)) {
        throw error(w, describe(w) + " (expected: a mapping of backend name to weight)");
      }
      for (Map.Entry<String, Node> e : w.map().entrySet()) {
        weights.put(e.getKey(), (int) integer(e.getValue(), 1, 256));
      }
    }
    Map<String, Map<String, Object>> on = new LinkedHashMap<>();
    for (String key : features.keys()) {
      Node f = m.get(key);
      if (f == null || Boolean.FALSE.equals(f.value()) || f.value() == null) {
        continue;
      }
      Map<String, Object> settings = Boolean.TRUE.equals(f.value()) ? Map.of() : plainMap(f);
      VariantFeature feature = features.get(key).orElseThrow();
      build(f, () -> {
        feature.validate(settings);
        return settings;
      });
      on.put(key, settings);
    }
    return build(n, () -> new VariantSpec(name, algorithm, options, weights, on));
  }

  private AlgorithmOptions options(Node n) {
    Map<String, Node> m = map(n, Set.of("choices", "active_request_bias", "ewma_decay",
        "connection_weight", "response_time_weight", "capacity", "ring_size",
        "maglev_table_size", "load_bound_epsilon"));
    AlgorithmOptions d = AlgorithmOptions.DEFAULTS;
    int choices = (int) (long) opt(m, "choices", x -> integer(x, 2, 64), (long) d.choices());
    double bias = opt(m, "active_request_bias", x -> number(x, 0, 10), d.activeRequestBias());
    Duration decay = opt(m, "ewma_decay", this::duration, d.ewmaDecay());
    double cw = opt(m, "connection_weight", x -> number(x, 0, 1e6), d.connectionWeight());
    double rw = opt(m, "response_time_weight", x -> number(x, 0, 1e6), d.responseTimeWeight());
    int capacity = (int) (long) opt(m, "capacity", x -> integer(x, 1, Integer.MAX_VALUE),
        (long) d.capacity());
    int ring = (int) (long) opt(m, "ring_size", x -> integer(x, 1, AlgorithmOptions.MAX_TABLE),
        (long) d.ringSize());
    int maglev = (int) (long) opt(m, "maglev_table_size",
        x -> integer(x, 3, AlgorithmOptions.MAX_TABLE), (long) d.maglevTableSize());
    double eps = opt(m, "load_bound_epsilon", x -> number(x, 0, 10), d.loadBoundEpsilon());
    return build(n, () -> new AlgorithmOptions(choices, bias, decay, cw, rw, capacity, ring,
        maglev, eps));
  }

  /** A feature's settings as plain values: maps, lists, strings, numbers, booleans. */
  private Map<String, Object> plainMap(Node n) {
    if (!(n.value() instanceof Map)) {
      throw error(n, describe(n) + " (expected: true, false or a mapping of settings)");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Node> e : n.map().entrySet()) {
      out.put(e.getKey(), plain(e.getValue()));
    }
    return java.util.Collections.unmodifiableMap(out);
  }

  private Object plain(Node n) {
    if (n.value() instanceof Map) {
      return plainMap(n);
    }
    if (n.value() instanceof List) {
      List<Object> out = new ArrayList<>();
      for (Node i : n.list()) {
        out.add(plain(i));
      }
      return java.util.Collections.unmodifiableList(out);
    }
    return n.value();
  }
}
