package io.ballast.server.config;

import io.ballast.proxy.affinity.AffinitySpec;
import io.ballast.proxy.client.Cidr;

import io.ballast.core.Backend;
import io.ballast.core.AdminState;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.circuit.CircuitBreakerSettings;
import io.ballast.core.circuit.WindowType;
import io.ballast.core.optimizer.WeightControlSettings;
import io.ballast.core.outlier.OutlierSettings;
import io.ballast.core.retry.RetryBudgetSettings;
import io.ballast.core.retry.RetrySettings;
import io.ballast.core.pick.AlgorithmOptions;
import io.ballast.core.health.HealthPolicy;
import io.ballast.core.zone.Locality;
import io.ballast.core.zone.ZoneSettings;
import io.ballast.proxy.client.HashKey;
import io.ballast.proxy.probe.HealthCheckSpec;
import io.ballast.proxy.signals.SignalsSpec;
import io.ballast.server.config.YamlNode.ListNode;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Reads the {@link YamlNode} tree of a config file into {@link BallastConfig}, section by
 * section, reporting every problem with its place in the file and carrying on, so that one run
 * shows them all. Each reader returns null when its part had errors; records are only built from
 * fully valid parts.
 *
 * <p>Pure apart from checking that the access log's directory exists: it reads the file system
 * but never writes, binds or resolves anything, so a reload can try a file without touching the
 * running config. Not thread-safe: one instance per load.
 */
final class ConfigReader {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
  private static final String NAME_EXPECTED =
      "a name of lowercase letters, digits, '-' and '_', starting with a letter or digit, at most 63 characters";
  /** Backend names default to host:port, so they also allow '.', ':' and IPv6 brackets. */
  private static final Pattern BACKEND_NAME = Pattern.compile("[A-Za-z0-9\\[][A-Za-z0-9._:\\[\\]-]{0,127}");
  private static final String BACKEND_NAME_EXPECTED =
      "a name of letters, digits, '.', ':', '-', '_', '[' and ']', at most 128 characters";
  /** Visible ASCII: anything else breaks a request line or a header. */
  private static final Pattern HTTP_PATH = Pattern.compile("/[!-~]*");
  private static final Pattern HOST_HEADER = Pattern.compile("[!-~]+");

  private static final Value<String> LISTENER_NAME = Value.string(NAME_EXPECTED, NAME);
  private static final Value<String> POOL_NAME = Value.string(NAME_EXPECTED, NAME);
  private static final Value<String> BACKEND = Value.string(BACKEND_NAME_EXPECTED, BACKEND_NAME);
  private static final Value<Duration> DURATION = Value.duration();
  private static final Value<Boolean> BOOL = Value.bool();
  private static final Value<Duration> DURATION_OR_OFF = Value.durationOrOff();
  private static final Pattern WINDOW_TYPE = Pattern.compile("count|time");
  private static final Pattern OBJECTIVE = Pattern.compile("utilization|latency");
  private static final Pattern FIGURE = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,63}");
  private static final Pattern WEBHOOK = Pattern.compile("https?://[!-~]+");
  /** The pool blocks of algorithm tunables, each named after its algorithm with '_' for '-'. */
  private static final List<String> OPTION_BLOCKS = List.of("least_request", "peak_ewma",
      "least_connections_response_time", "ring_hash", "maglev", "bounded_load_hash");
  private static final Pattern HEALTH_TYPE = Pattern.compile("http|tcp");
  private static final Pattern HTTP_METHOD = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}");
  private static final Pattern BODY_TEXT = Pattern.compile("(?s).{1," + HealthCheckSpec.MAX_BODY + "}");
  private static final Pattern BACKEND_STATE = Pattern.compile("active|drain|maintenance");
  private static final Pattern ADMIN_TOKEN = Pattern.compile("[!-~]{16,256}");
  private static final Pattern HASH_SOURCES = Pattern.compile("client-ip|header|cookie|query|path");
  private static final String HASH_SOURCES_EXPECTED = "one of client-ip, header, cookie, query, path";
  private static final Pattern HASH_KEY_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");

  private final Problems problems;
  /** Pool names with the place they were given, for the listeners' references. */
  private final Map<String, Mark> poolNames = new LinkedHashMap<>();
  private final SignalsReader signalsReader;
  private final ZonesReader zonesReader;
  private boolean poolsReadable;
  /** Pools that remember sessions (affinity by cookie, ip or header): strict routes need one. */
  private final java.util.Set<String> stickyPools = new java.util.HashSet<>();
  /** Bind addresses seen so far (listeners, then admin), to catch two sockets on one port. */
  private final List<Bind> binds = new ArrayList<>();

  private record Bind(HostPort address, Mark mark, String owner) {}

  ConfigReader(Problems problems) {
    this.problems = problems;
    this.signalsReader = new SignalsReader(problems);
    this.zonesReader = new ZonesReader(problems);
  }

  Optional<BallastConfig> config(YamlNode root) {
    Optional<Section> maybeTop = Section.of(root, "", problems);
    if (maybeTop.isEmpty()) {
      return Optional.empty();
    }
    Section top = maybeTop.get();
    int before = problems.errorCount();
    // Pools first: listeners refer to them by name.
    List<PoolConfig> pools = pools(top);
    List<ListenerConfig> listeners = listeners(top);
    TimeoutsConfig timeouts = optionalSection(top, "timeouts", this::timeouts, TimeoutsConfig.DEFAULTS);
    LimitsConfig limits = optionalSection(top, "limits", this::limits, LimitsConfig.DEFAULTS);
    ForwardingConfig forwarding =
        optionalSection(top, "forwarding", this::forwarding, ForwardingConfig.DEFAULTS);
    AdminConfig admin = optionalSection(top, "admin", this::admin, AdminConfig.DEFAULTS);
    AccessLogConfig accessLog =
        optionalSection(top, "access_log", this::accessLog, AccessLogConfig.DEFAULTS);
    LocalityConfig locality = optionalSection(top, "locality",
        s -> zonesReader.locality(s, forwarding), LocalityConfig.NONE);
    zonesReader.checkPools(locality, top.keyMarkOf("pools"));
    top.rejectUnknown();
    if (problems.errorCount() != before) {
      return Optional.empty();
    }
    return Optional.ofNullable(build(top.mark(), "", () -> new BallastConfig(
        listeners, pools, timeouts, limits, forwarding, admin, accessLog, locality)));
  }

  // ---- listeners -------------------------------------------------------------------------

  private List<ListenerConfig> listeners(Section top) {
    int before = problems.errorCount();
    List<ListenerConfig> listeners = new ArrayList<>();
    Map<String, Mark> names = new LinkedHashMap<>();
    for (Section s : sections(top, "listeners", "listener")) {
      String name = s.require("name", LISTENER_NAME);
      unique(s, name, names, "listener");
      HostPort bind = s.require("bind", Value.hostPort(true));
      if (bind != null) {
        checkBind(bind, s.markOf("bind"), s.path("bind"), "listener '" + (name == null ? "?" : name) + "'");
      }
      List<RouteConfig> routes = null;
      if (s.optional("routes").isPresent()) {
        if (s.optional("pool").isPresent()) {
          problems.error(s.keyMarkOf("pool"), s.path("pool"), "set together with routes"
              + " (expected: either pool, for one pool, or routes)");
        }
        RoutesReader reader = new RoutesReader(problems, poolsReadable ? poolNames : Map.of(),
            this::retries, this::hashKeySection, stickyPools);
        routes = reader.routes(s, sections(s, "routes", "route"));
      } else {
        String pool = s.require("pool", Value.string("the name of a pool", NAME));
        if (pool != null && poolsReadable && !poolNames.containsKey(pool)) {
          problems.error(s.markOf("pool"), s.path("pool"), "no pool named '" + pool + "' ("
              + suggest(pool, poolNames.keySet(), "expected one of: " + String.join(", ", poolNames.keySet()))
              + ")");
        }
        routes = pool == null ? null
            : List.of(RouteConfig.toPool(ListenerConfig.DEFAULT_ROUTE, pool));
      }
      s.rejectUnknown();
      List<RouteConfig> r = routes;
      if (name != null && bind != null && r != null) {
        listeners.add(build(s.mark(), s.path(), () -> new ListenerConfig(name, bind, r)));
      }
    }
    return problems.errorCount() == before ? listeners : null;
  }

  private void checkBind(HostPort bind, Mark at, String path, String owner) {
    if (bind.port() == 0) {
      return; // Every port-0 socket gets its own free port.
    }
    for (Bind other : binds) {
      if (other.address().port() != bind.port()) {
        continue;
      }
      boolean sameHost = other.address().host().equalsIgnoreCase(bind.host());
      if (sameHost || other.address().isWildcard() || bind.isWildcard()) {
        // A wildcard bind takes the port on every address, so it clashes with any other bind.
        problems.error(at, path, "'" + bind + "' " + (sameHost ? "is also the bind of " : "overlaps the bind '"
            + other.address() + "' of ") + other.owner() + " at " + other.mark()
            + " (expected: a different address or port)");
        return;
      }
    }
    binds.add(new Bind(bind, at, owner));
  }

  // ---- pools -----------------------------------------------------------------------------

  private List<PoolConfig> pools(Section top) {
    int before = problems.errorCount();
    List<PoolConfig> pools = new ArrayList<>();
    List<Section> sections = sections(top, "pools", "pool");
    poolsReadable = !sections.isEmpty();
    for (Section s : sections) {
      PoolConfig pool = pool(s);
      if (pool != null) {
        pools.add(pool);
      }
    }
    return problems.errorCount() == before ? pools : null;
  }

  private PoolConfig pool(Section s) {
    int before = problems.errorCount();
    String name = s.require("name", POOL_NAME);
    if (name != null && !poolNames.containsKey(name)) {
      poolNames.put(name, s.markOf("name"));
    } else if (name != null) {
      duplicate(s, name, poolNames.get(name), "pool");
    }
    Algorithm algorithm = s.get("algorithm", Value.algorithm(), PoolConfig.DEFAULT_ALGORITHM);
    AlgorithmOptions options = algorithm == null ? null : algorithmOptions(s, algorithm);
    Optional<HashKey> hashKey = algorithm == null ? Optional.empty() : hashKey(s, algorithm);
    List<BackendConfig> backends = new ArrayList<>();
    Map<String, Mark> backendNames = new LinkedHashMap<>();
    for (Section b : sections(s, "backends", "backend")) {
      BackendConfig backend = backend(b, backendNames);
      if (backend != null) {
        backends.add(backend);
      }
    }
    s.retired("max_connect_attempts", "replaced by retries.max_attempts, which also covers"
        + " failures after connecting (expected: retries: {max_attempts: N})");
    RetrySettings retries = s.optional("retries")
        .flatMap(n -> Section.of(n, s.path("retries"), problems))
        .map(this::retries)
        .orElse(RetrySettings.DEFAULTS);
    Optional<CircuitBreakerSettings> circuitBreaker = s.optional("circuit_breaker")
        .flatMap(n -> Section.of(n, s.path("circuit_breaker"), problems))
        .map(this::circuitBreaker);
    Optional<HealthChecksConfig> healthChecks = healthChecks(s);
    Duration passiveDownTime =
        s.get("passive_down_time", DURATION, PoolConfig.DEFAULT_PASSIVE_DOWN_TIME);
    Integer panicThreshold =
        s.get("panic_threshold", Value.integer(0, 100), PoolConfig.DEFAULT_PANIC_THRESHOLD);
    Duration slowStart = s.get("slow_start", DURATION, Duration.ZERO);
    Optional<OutlierSettings> outliers = s.optional("outlier_detection")
        .flatMap(n -> Section.of(n, s.path("outlier_detection"), problems))
        .map(this::outlierDetection);
    Optional<WeightControlConfig> weightControl = s.optional("weight_control")
        .flatMap(n -> Section.of(n, s.path("weight_control"), problems))
        .map(this::weightControl);
    Optional<SignalsSpec> signals = s.optional("signals")
        .flatMap(n -> Section.of(n, s.path("signals"), problems))
        .map(signalsReader::signals);
    Optional<ZoneSettings> zones = zonesReader.poolZones(s, name);
    Optional<AffinitySpec> affinity = s.optional("affinity")
        .flatMap(n -> Section.of(n, s.path("affinity"), problems))
        .map(a -> new AffinityReader(problems).affinity(a, algorithm));
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    if (name != null && affinity.isPresent() && affinity.get().usesMemory()) {
      stickyPools.add(name);
    }
    return build(s.mark(), s.path(), () -> new PoolConfig(
        name, algorithm, options, hashKey, backends, retries, healthChecks, passiveDownTime,
        panicThreshold, slowStart, outliers, circuitBreaker, weightControl, signals, zones,
        affinity));
  }

  /**
   * The tunables blocks of a pool, each named after its algorithm (least_request, maglev, ...).
   * Only the block of the pool's own algorithm may be set: a block for another one would be
   * silently ignored, which hides mistakes.
   */
  private AlgorithmOptions algorithmOptions(Section pool, Algorithm algorithm) {
    AlgorithmOptions d = AlgorithmOptions.DEFAULTS;
    int[] ints = {d.choices(), d.capacity(), d.ringSize(), d.maglevTableSize()};
    double[] doubles = {d.activeRequestBias(), d.connectionWeight(), d.responseTimeWeight(),
        d.loadBoundEpsilon()};
    Duration[] decay = {d.ewmaDecay()};
    Mark at = pool.mark();
    String path = pool.path();
    int before = problems.errorCount();
    for (String block : OPTION_BLOCKS) {
      Optional<Section> section = pool.optional(block)
          .flatMap(n -> Section.of(n, pool.path(block), problems));
      if (section.isEmpty()) {
        continue;
      }
      String owner = block.replace('_', '-');
      if (!owner.equals(algorithm.configName())) {
        problems.error(pool.keyMarkOf(block), pool.path(block), "options for " + owner
            + ", but the pool's algorithm is " + algorithm + " (expected: only the "
            + algorithm.configName().replace('-', '_') + " block, or none)");
        continue;
      }
      Section o = section.get();
      at = pool.keyMarkOf(block);
      path = o.path();
      switch (block) {
        case "least_request" -> {
          ints[0] = orElse(o.get("choices", Value.integer(2, 64), ints[0]), ints[0]);
          doubles[0] = orElse(o.get("active_request_bias", Value.decimal(0, 10), doubles[0]), doubles[0]);
        }
        case "peak_ewma" -> {
          decay[0] = orElse(o.get("decay", DURATION, decay[0]), decay[0]);
          ints[0] = orElse(o.get("choices", Value.integer(2, 64), ints[0]), ints[0]);
        }
        case "least_connections_response_time" -> {
          doubles[1] = orElse(o.get("connection_weight", Value.decimal(0, 1000), doubles[1]), doubles[1]);
          doubles[2] = orElse(o.get("response_time_weight", Value.decimal(0, 1000), doubles[2]), doubles[2]);
          ints[1] = orElse(o.get("capacity", Value.integer(1, 1_000_000), ints[1]), ints[1]);
        }
        case "ring_hash" -> ints[2] = orElse(
            o.get("ring_size", Value.integer(1, AlgorithmOptions.MAX_TABLE), ints[2]), ints[2]);
        case "maglev" -> {
          Integer size = o.get("table_size", Value.integer(3, AlgorithmOptions.MAX_TABLE), ints[3]);
          if (size != null && !AlgorithmOptions.isPrime(size)) {
            problems.error(o.markOf("table_size"), o.path("table_size"), size
                + " (expected: a prime, such as 65537 or 655373, as the Maglev paper requires)");
          }
          ints[3] = orElse(size, ints[3]);
        }
        case "bounded_load_hash" -> {
          doubles[3] = orElse(o.get("epsilon", Value.decimal(0.01, 10), doubles[3]), doubles[3]);
          ints[2] = orElse(
              o.get("ring_size", Value.integer(1, AlgorithmOptions.MAX_TABLE), ints[2]), ints[2]);
        }
        default -> throw new IllegalStateException("no reader for " + block);
      }
      o.rejectUnknown();
    }
    if (problems.errorCount() != before) {
      return null;
    }
    return build(at, path, () -> new AlgorithmOptions(ints[0], doubles[0], decay[0], doubles[1], doubles[2], ints[1],
            ints[2], ints[3], doubles[3]));
  }

  private static <T> T orElse(T value, T fallback) {
    return value == null ? fallback : value;
  }

  /** Where a hash-based pool takes its key from; client IP when the file does not say. */
  private Optional<HashKey> hashKey(Section pool, Algorithm algorithm) {
    Optional<Section> section = pool.optional("hash_key")
        .flatMap(n -> Section.of(n, pool.path("hash_key"), problems));
    if (!algorithm.hashBased()) {
      if (section.isPresent()) {
        problems.error(pool.keyMarkOf("hash_key"), pool.path("hash_key"), "set, but algorithm "
            + algorithm + " does not hash (expected: only with " + hashAlgorithms() + ")");
      }
      return Optional.empty();
    }
    if (section.isEmpty()) {
      return Optional.of(HashKey.CLIENT_IP);
    }
    return Optional.ofNullable(hashKeySection(section.get()));
  }

  /** A key block: source (client-ip when not set), name, prefixes; null after errors. */
  private HashKey hashKeySection(Section s) {
    int before = problems.errorCount();
    String source = s.get("source", Value.string(HASH_SOURCES_EXPECTED, HASH_SOURCES), "client-ip");
    boolean named = "header".equals(source) || "cookie".equals(source) || "query".equals(source);
    String name = named ? s.require("name", Value.string("a " + source + " name", HASH_KEY_NAME)) : null;
    Integer v4 = null;
    Integer v6 = null;
    if ("client-ip".equals(source)) {
      v4 = s.get("ipv4_prefix", Value.integer(0, 32), 32);
      v6 = s.get("ipv6_prefix", Value.integer(0, 128), 128);
    } else if (source != null) {
      for (String key : new String[] {"ipv4_prefix", "ipv6_prefix"}) {
        if (s.optional(key).isPresent()) {
          problems.error(s.keyMarkOf(key), s.path(key), "set, but source is " + source
              + " (expected: only with source client-ip)");
        }
      }
    }
    if (!named && source != null && s.optional("name").isPresent()) {
      problems.error(s.keyMarkOf("name"), s.path("name"), "set, but source " + source
          + " takes no name (expected: only with header, cookie or query)");
    }
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    int prefix4 = v4 == null ? 32 : v4;
    int prefix6 = v6 == null ? 128 : v6;
    HashKey key = build(s.mark(), s.path(), () -> switch (source) {
      case "client-ip" -> new HashKey.ClientIp(prefix4, prefix6);
      case "header" -> new HashKey.Header(name);
      case "cookie" -> new HashKey.Cookie(name);
      case "query" -> new HashKey.Query(name);
      default -> new HashKey.Path();
    });
    return key;
  }

  /**
   * Outlier detection, flat keys; a count or threshold of 0 turns its rule off. Unset keys keep
   * {@link OutlierSettings#DEFAULTS}.
   */
  private OutlierSettings outlierDetection(Section s) {
    OutlierSettings d = OutlierSettings.DEFAULTS;
    int before = problems.errorCount();
    Duration interval = s.get("interval", DURATION, d.interval());
    Duration base = s.get("base_ejection_time", DURATION, d.baseEjectionTime());
    Duration max = s.get("max_ejection_time", DURATION, d.maxEjectionTime());
    Integer percent = s.get("max_ejection_percent", Value.integer(1, 100), d.maxEjectionPercent());
    Integer c5xx = s.get("consecutive_5xx", Value.integer(0, 1000), d.consecutive5xx().threshold());
    Integer cGateway = s.get("consecutive_gateway_failure", Value.integer(0, 1000),
        d.consecutiveGatewayFailure().threshold());
    Double stdev = s.get("success_rate_stdev_factor", Value.decimal(0, 100),
        d.successRate().stdevFactor());
    Integer srHosts = s.get("success_rate_minimum_hosts", Value.integer(1, 100_000),
        d.successRate().minimumHosts());
    Integer srVolume = s.get("success_rate_request_volume", Value.integer(1, 1_000_000_000),
        d.successRate().requestVolume());
    Integer fpThreshold = s.get("failure_percentage_threshold", Value.integer(0, 100),
        d.failurePercentage().threshold());
    Integer fpHosts = s.get("failure_percentage_minimum_hosts", Value.integer(1, 100_000),
        d.failurePercentage().minimumHosts());
    Integer fpVolume = s.get("failure_percentage_request_volume", Value.integer(1, 1_000_000_000),
        d.failurePercentage().requestVolume());
    if (base != null && max != null && max.compareTo(base) < 0) {
      problems.error(s.markOf("max_ejection_time"), s.path("max_ejection_time"), Units.format(max)
          + " (expected: >= base_ejection_time " + Units.format(base) + ")");
    }
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    return build(s.mark(), s.path(), () -> new OutlierSettings(interval, base, max, percent,
        c5xx == 0 ? OutlierSettings.Consecutive.OFF : new OutlierSettings.Consecutive(true, c5xx),
        cGateway == 0 ? OutlierSettings.Consecutive.OFF
            : new OutlierSettings.Consecutive(true, cGateway),
        false, d.consecutiveLocalOriginFailure(),
        stdev == 0 ? OutlierSettings.SuccessRate.OFF
            : new OutlierSettings.SuccessRate(true, srHosts, srVolume, stdev),
        fpThreshold == 0 ? OutlierSettings.FailurePercentage.OFF
            : new OutlierSettings.FailurePercentage(true, fpThreshold, fpHosts, fpVolume)));
  }

  /** Retries and the retry budget; unset keys keep {@link RetrySettings#DEFAULTS}. */
  private RetrySettings retries(Section s) {
    RetrySettings d = RetrySettings.DEFAULTS;
    int before = problems.errorCount();
    Integer attempts = s.get("max_attempts",
        Value.integer(1, RetrySettings.MAX_ATTEMPTS_LIMIT), d.maxAttempts());
    Duration perTry = s.get("per_try_timeout", DURATION_OR_OFF, d.perTryTimeout());
    Duration overall = s.get("overall_timeout", DURATION_OR_OFF, d.overallTimeout());
    List<Integer> statuses = s.get("on_status", Value.list(Value.integer(400, 599), 0),
        List.copyOf(d.retryableStatuses()));
    List<String> methods = s.get("methods", Value.list(Value.string(
        "an HTTP method such as POST (letters, digits and !#$%&'*+.^_`|~-)",
        ForwardingConfig.TOKEN), 0), List.copyOf(d.retryableMethods()));
    Integer buffered = s.get("max_buffered_body",
        Value.size(0, (int) RetrySettings.MAX_BUFFERED_BODY_LIMIT), (int) d.maxBufferedBody());
    RetryBudgetSettings budget = s.optional("budget")
        .flatMap(n -> Section.of(n, s.path("budget"), problems))
        .map(this::retryBudget)
        .orElse(d.budget());
    if (perTry != null && overall != null && !perTry.isZero() && !overall.isZero()
        && perTry.compareTo(overall) > 0) {
      problems.error(s.markOf("per_try_timeout"), s.path("per_try_timeout"), Units.format(perTry)
          + " (expected: <= overall_timeout " + Units.format(overall) + ")");
    }
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    return build(s.mark(), s.path(), () -> new RetrySettings(attempts, perTry, overall,
        Set.copyOf(statuses), Set.copyOf(methods), buffered, budget));
  }

  private RetryBudgetSettings retryBudget(Section s) {
    RetryBudgetSettings d = RetryBudgetSettings.DEFAULTS;
    int before = problems.errorCount();
    Boolean enabled = s.get("enabled", BOOL, d.enabled());
    Double percent = s.get("percent", Value.decimal(0, 100), d.percent());
    Double floor = s.get("min_per_second", Value.decimal(0, 1_000_000), d.minRetriesPerSecond());
    Duration window = s.get("window", DURATION, d.window());
    if (window != null && (window.compareTo(Duration.ofSeconds(1)) < 0
        || window.compareTo(Duration.ofHours(1)) > 0)) {
      problems.error(s.markOf("window"), s.path("window"), Units.format(window)
          + " (expected: 1s..1h)");
    }
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    return build(s.mark(), s.path(),
        () -> new RetryBudgetSettings(enabled, percent, floor, window));
  }

  /** A circuit breaker per backend; unset keys keep {@link CircuitBreakerSettings#DEFAULTS}. */
  private CircuitBreakerSettings circuitBreaker(Section s) {
    CircuitBreakerSettings d = CircuitBreakerSettings.DEFAULTS;
    int before = problems.errorCount();
    String type = s.get("window_type", Value.string("count or time", WINDOW_TYPE),
        d.windowType().name().toLowerCase(java.util.Locale.ROOT));
    boolean time = "time".equals(type);
    Integer size = s.get("window_size", time
        ? Value.integer(1, CircuitBreakerSettings.MAX_TIME_WINDOW_SECONDS)
        : Value.integer(1, CircuitBreakerSettings.MAX_COUNT_WINDOW), d.windowSize());
    Integer minimum = s.get("minimum_calls", Value.integer(1, Integer.MAX_VALUE),
        d.minimumCalls());
    Double failureRate = s.get("failure_rate_threshold", Value.decimal(0.01, 100),
        d.failureRateThreshold());
    Duration slowCall = s.get("slow_call_duration", DURATION, d.slowCallDurationThreshold());
    Double slowRate = s.get("slow_call_rate_threshold", Value.decimal(0.01, 100),
        d.slowCallRateThreshold());
    Duration wait = s.get("wait_in_open", DURATION, d.waitInOpen());
    Integer halfOpen = s.get("permitted_calls_in_half_open",
        Value.integer(1, CircuitBreakerSettings.MAX_PERMITTED_IN_HALF_OPEN),
        d.permittedCallsInHalfOpen());
    Integer concurrent = s.get("max_concurrent_requests", Value.integer(0, 1_000_000),
        d.maxConcurrentRequests());
    if (!time && size != null && minimum != null && minimum > size) {
      problems.error(s.markOf("minimum_calls"), s.path("minimum_calls"), minimum
          + " (expected: <= window_size " + size + ": a count window never holds more calls)");
    }
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    return build(s.mark(), s.path(), () -> new CircuitBreakerSettings(
        time ? WindowType.TIME : WindowType.COUNT, size, minimum, failureRate, slowCall, slowRate,
        wait, halfOpen, concurrent));
  }

  /**
   * The weight controller of a pool; unset keys keep {@link WeightControlSettings#DEFAULTS}.
   * Under the latency objective, {@code target} and the scaling thresholds are durations (a p99);
   * under the utilization objective they are figures such as 0.6.
   */
  private WeightControlConfig weightControl(Section s) {
    WeightControlSettings d = WeightControlSettings.DEFAULTS;
    int before = problems.errorCount();
    Duration interval = s.get("interval", DURATION, d.interval());
    String objective = s.get("objective", Value.string("utilization or latency", OBJECTIVE),
        d.objective().configName());
    boolean latency = "latency".equals(objective);
    String figure = s.get("figure", Value.string("a figure name such as cpu", FIGURE), d.figure());
    Double target = level(s, "target", latency, null);
    Double kp = s.get("kp", Value.decimal(0, 100), d.kp());
    Double ki = s.get("ki", Value.decimal(0, 100), d.ki());
    Double kd = s.get("kd", Value.decimal(0, 100), d.kd());
    Integer maxStep = s.get("max_step", Value.percentIn(1, 1000), d.maxStepPercent());
    Double deadband = s.get("deadband", Value.decimal(0, 0.99), d.deadband());
    Integer floor = s.get("floor", Value.percentIn(1, 100), d.floorPercent());
    Integer ceiling = s.get("ceiling", Value.percentIn(100, 1000), d.ceilingPercent());
    Double overload = s.get("overload_above", Value.decimal(0, 1000), d.overloadAbove());
    Double underuse = s.get("underuse_below", Value.decimal(0, 1000), d.underuseBelow());
    Integer minRequests = s.get("min_requests", Value.integer(1, 1_000_000_000),
        (int) d.minRequests());
    Duration objectiveLatency = s.get("latency_objective", DURATION, d.latencyObjective());
    Duration staleAfter = s.get("stale_after", DURATION, d.staleAfter());
    WeightControlSettings.Warmup warmup = s.optional("warmup")
        .flatMap(n -> Section.of(n, s.path("warmup"), problems))
        .map(this::warmup)
        .orElse(WeightControlSettings.Warmup.OFF);
    Optional<Section> scalingSection = s.optional("scaling")
        .flatMap(n -> Section.of(n, s.path("scaling"), problems));
    WeightControlSettings.Scaling scaling = scalingSection.map(n -> scaling(n, latency)).orElse(null);
    String webhook = scalingSection.map(n -> n.get("webhook",
        Value.string("an http:// or https:// URL", WEBHOOK), (String) null)).orElse(null);
    Duration webhookTimeout = scalingSection.map(n -> n.get("webhook_timeout", DURATION,
        WeightControlConfig.DEFAULT_WEBHOOK_TIMEOUT)).orElse(WeightControlConfig.DEFAULT_WEBHOOK_TIMEOUT);
    scalingSection.ifPresent(Section::rejectUnknown);
    s.rejectUnknown();
    if (problems.errorCount() != before || scalingSection.isPresent() && scaling == null) {
      return null;
    }
    WeightControlSettings.Builder b = WeightControlSettings.builder()
        .interval(interval)
        .objective(latency ? WeightControlSettings.Objective.LATENCY
            : WeightControlSettings.Objective.UTILIZATION)
        .figure(figure)
        .gains(kp, ki, kd)
        .maxStepPercent(maxStep)
        .deadband(deadband)
        .bounds(floor, ceiling)
        .thresholds(underuse, overload)
        .minRequests(minRequests)
        .latencyObjective(objectiveLatency)
        .staleAfter(staleAfter)
        .warmup(warmup)
        .scaling(scaling);
    if (target != null) {
      b.target(target);
    }
    WeightControlSettings settings;
    try {
      settings = b.build();
    } catch (IllegalArgumentException e) {
      // The settings name the field first ("max_step: 500 (expected: 1..390)"): point at it.
      String field = e.getMessage().substring(0, Math.max(0, e.getMessage().indexOf(':')));
      String key = field.startsWith("scaling.") || field.startsWith("warmup.") ? null : field;
      boolean at = key != null && !key.isEmpty() && s.optional(key).isPresent();
      problems.error(at ? s.markOf(key) : s.mark(), at ? s.path(key) : s.path(),
          at ? e.getMessage().substring(field.length() + 1).strip() : e.getMessage());
      return null;
    }
    Mark at = scalingSection.map(n -> n.markOf("webhook")).orElse(s.mark());
    String path = s.path("scaling.webhook");
    java.net.URI uri = null;
    if (webhook != null) {
      try {
        uri = new java.net.URI(webhook);
      } catch (java.net.URISyntaxException e) {
        problems.error(at, path, webhook + " (expected: a URL: " + e.getReason() + ")");
        return null;
      }
    }
    Optional<java.net.URI> hook = Optional.ofNullable(uri);
    return build(at, path, () -> new WeightControlConfig(settings, hook, webhookTimeout));
  }

  /** A level in the objective's unit: a p99 duration (as milliseconds) or a figure. */
  private Double level(Section s, String key, boolean latency, Double fallback) {
    if (latency) {
      Duration d = s.get(key, DURATION, null);
      return d == null ? fallback : Double.valueOf(d.toNanos() / 1e6);
    }
    return s.get(key, Value.decimal(0.001, 1000), fallback);
  }

  private WeightControlSettings.Warmup warmup(Section s) {
    WeightControlSettings.Warmup d = WeightControlSettings.Warmup.DEFAULT;
    int before = problems.errorCount();
    Integer start = s.get("start", Value.percentIn(1, 100), d.startPercent());
    Integer step = s.get("step", Value.percentIn(1, 100), d.stepPercent());
    Double latencyTolerance = s.get("latency_tolerance", Value.decimal(1, 100),
        d.latencyTolerance());
    Double errorTolerance = s.get("error_tolerance", Value.decimal(0, 1), d.errorTolerance());
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    return build(s.mark(), s.path(), () -> new WeightControlSettings.Warmup(start, step,
        latencyTolerance, errorTolerance));
  }

  /** Scaling thresholds; under the latency objective both must be given (as p99 durations). */
  private WeightControlSettings.Scaling scaling(Section s, boolean latency) {
    int before = problems.errorCount();
    Double hot;
    Double cold;
    if (latency) {
      Duration h = s.require("hot_above", DURATION);
      Duration c = s.require("cold_below", DURATION);
      hot = h == null ? null : Double.valueOf(h.toNanos() / 1e6);
      cold = c == null ? null : Double.valueOf(c.toNanos() / 1e6);
    } else {
      hot = s.get("hot_above", Value.decimal(0.001, 1000), 0.8);
      cold = s.get("cold_below", Value.decimal(0, 1000), 0.2);
    }
    Duration sustain = s.get("for", DURATION, Duration.ofMinutes(5));
    Duration cooldown = s.get("cooldown", Value.durationOrOff(), Duration.ofMinutes(10));
    if (problems.errorCount() != before) {
      return null;
    }
    return build(s.markOf("cold_below"), s.path("cold_below"),
        () -> new WeightControlSettings.Scaling(hot, cold, sustain, cooldown));
  }

  private static String hashAlgorithms() {
    return java.util.Arrays.stream(Algorithm.values()).filter(Algorithm::hashBased)
        .map(Algorithm::configName).collect(java.util.stream.Collectors.joining(", "));
  }

  private BackendConfig backend(Section s, Map<String, Mark> names) {
    int before = problems.errorCount();
    HostPort address = s.require("address", Value.hostPort(false));
    String name = s.get("name", BACKEND, address == null ? null : address.toString());
    Integer weight = s.get("weight", Value.integer(1, Backend.MAX_WEIGHT), BackendConfig.DEFAULT_WEIGHT);
    String state = s.get("state", Value.string("one of active, drain, maintenance", BACKEND_STATE), "active");
    Double cost = s.get("cost", Value.decimal(0.001, 1_000_000), BackendConfig.DEFAULT_COST);
    Optional<Locality> zone = zonesReader.backendZone(s);
    s.rejectUnknown();
    if (name != null) {
      Mark first = names.putIfAbsent(name, s.markOf(s.optional("name").isPresent() ? "name" : "address"));
      if (first != null) {
        problems.error(s.markOf(s.optional("name").isPresent() ? "name" : "address"), s.path("name"),
            "duplicate backend name '" + name + "' (first at " + first
                + "; expected: unique names within a pool; without a name, a backend is named by its address)");
      }
    }
    if (problems.errorCount() != before) {
      return null;
    }
    AdminState admin = switch (state == null ? "active" : state) {
      case "drain" -> AdminState.DRAINING;
      case "maintenance" -> AdminState.MAINTENANCE;
      default -> AdminState.ACTIVE;
    };
    return build(s.mark(), s.path(), () -> new BackendConfig(name, address, weight, admin, cost, zone));
  }

  /**
   * Active checks: {@code health_check} (one check) or {@code health_checks} (levels and the
   * thresholds that combine them), not both.
   */
  private Optional<HealthChecksConfig> healthChecks(Section pool) {
    Optional<YamlNode> single = pool.optional("health_check");
    Optional<YamlNode> levels = pool.optional("health_checks");
    if (single.isPresent() && levels.isPresent()) {
      problems.error(pool.keyMarkOf("health_checks"), pool.path("health_checks"),
          "set together with health_check at " + pool.keyMarkOf("health_check")
              + " (expected: one of them: health_check for one check, health_checks for levels)");
      return Optional.empty();
    }
    if (single.isPresent()) {
      return Section.of(single.get(), pool.path("health_check"), problems)
          .map(this::healthCheck).map(HealthChecksConfig::single);
    }
    return levels.flatMap(n -> Section.of(n, pool.path("health_checks"), problems))
        .map(this::healthCheckLevels);
  }

  private HealthChecksConfig healthCheckLevels(Section s) {
    int before = problems.errorCount();
    Integer degraded = s.get("degraded_below", Value.percent(), HealthPolicy.DEFAULT_DEGRADED_BELOW);
    Integer unhealthy = s.get("unhealthy_below", Value.percent(), HealthPolicy.DEFAULT_UNHEALTHY_BELOW);
    List<HealthLevelConfig> levels = new ArrayList<>();
    Map<String, Mark> names = new LinkedHashMap<>();
    List<Section> sections = sections(s, "levels", "level");
    if (sections.size() > HealthPolicy.MAX_LEVELS) {
      problems.error(s.markOf("levels"), s.path("levels"), sections.size()
          + " levels (expected: at most " + HealthPolicy.MAX_LEVELS + ")");
    }
    boolean critical = false;
    for (Section l : sections) {
      String name = l.require("name", Value.string(NAME_EXPECTED, NAME));
      unique(l, name, names, "level");
      Integer weight = l.get("weight", Value.integer(1, io.ballast.core.health.HealthLevel.MAX_WEIGHT),
          HealthLevelConfig.DEFAULT_WEIGHT);
      Boolean isCritical = l.get("critical", BOOL, false);
      critical |= Boolean.TRUE.equals(isCritical);
      HealthCheckConfig check = healthCheck(l);
      if (name != null && weight != null && isCritical != null && check != null) {
        levels.add(build(l.mark(), l.path(), () -> new HealthLevelConfig(name, weight, isCritical, check)));
      }
    }
    if (degraded != null && unhealthy != null && unhealthy > degraded) {
      problems.error(s.markOf("unhealthy_below"), s.path("unhealthy_below"), unhealthy
          + "% (expected: <= degraded_below " + degraded + "%)");
    }
    if (unhealthy != null && unhealthy == 0 && !critical && !sections.isEmpty()) {
      problems.error(s.markOf("unhealthy_below"), s.path("unhealthy_below"), "0% with no critical"
          + " level (expected: > 0, or a level with critical: true; otherwise a backend failing"
          + " every check keeps serving)");
    }
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    return build(s.mark(), s.path(), () -> new HealthChecksConfig(levels, degraded, unhealthy));
  }

  private HealthCheckConfig healthCheck(Section s) {
    int before = problems.errorCount();
    String type = s.get("type", Value.string("http or tcp", HEALTH_TYPE), "http");
    boolean tcp = "tcp".equals(type);
    String path;
    String host;
    String method = HealthCheckConfig.DEFAULT_METHOD;
    String bodyContains = null;
    if (tcp) {
      for (String httpOnly : new String[] {"path", "host", "expected_status", "method", "body_contains"}) {
        if (s.optional(httpOnly).isPresent()) {
          problems.error(s.keyMarkOf(httpOnly), s.path(httpOnly),
              "set, but type is tcp (expected: only with type http)");
        }
      }
      path = "/";
      host = null;
    } else {
      path = s.require("path", Value.string("a path starting with '/', e.g. \"/health\"", HTTP_PATH));
      host = s.get("host", Value.string("a Host header value, e.g. \"api.example.com\"", HOST_HEADER), null);
      method = s.get("method", Value.string("an HTTP method such as GET, HEAD or OPTIONS", HTTP_METHOD),
          HealthCheckConfig.DEFAULT_METHOD);
      if ("CONNECT".equalsIgnoreCase(method)) {
        problems.error(s.markOf("method"), s.path("method"),
            "'" + method + "' (expected: a method a health endpoint answers, such as GET, HEAD or OPTIONS)");
      }
      bodyContains = s.get("body_contains", Value.string("a text of 1.." + HealthCheckSpec.MAX_BODY
          + " characters to find in the response body", BODY_TEXT), null);
      if (bodyContains != null && "HEAD".equals(method)) {
        problems.error(s.keyMarkOf("body_contains"), s.path("body_contains"), "set, but method is"
            + " HEAD, whose answers have no body (expected: GET or another method with a body)");
      }
    }
    Duration interval = s.get("interval", DURATION, HealthCheckConfig.DEFAULT_INTERVAL);
    Duration timeout = s.get("timeout", DURATION, HealthCheckConfig.DEFAULT_TIMEOUT);
    StatusRanges expected = s.get("expected_status", Value.statusRanges(), StatusRanges.DEFAULT);
    Integer rise = s.get("rise", Value.integer(1, Integer.MAX_VALUE), HealthCheckConfig.DEFAULT_RISE);
    Integer fall = s.get("fall", Value.integer(1, Integer.MAX_VALUE), HealthCheckConfig.DEFAULT_FALL);
    if (interval != null && timeout != null && timeout.compareTo(interval) > 0) {
      // Point at whichever of the two the file sets: that is the one the operator will edit.
      if (s.optional("timeout").isPresent()) {
        problems.error(s.markOf("timeout"), s.path("timeout"), Units.format(timeout)
            + " (expected: <= interval " + Units.format(interval) + ")");
      } else {
        problems.error(s.markOf("interval"), s.path("interval"), Units.format(interval)
            + " (expected: >= timeout " + Units.format(timeout) + ", the default timeout)");
      }
    }
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    String m = method;
    Optional<String> body = Optional.ofNullable(bodyContains);
    return build(s.mark(), s.path(), () -> new HealthCheckConfig(
        tcp, path, Optional.ofNullable(host), interval, timeout, expected, rise, fall, m, body));
  }

  // ---- the optional sections ----------------------------------------------------------------

  private TimeoutsConfig timeouts(Section s) {
    TimeoutsConfig d = TimeoutsConfig.DEFAULTS;
    int before = problems.errorCount();
    Duration connect = s.get("connect", DURATION, d.connect());
    Duration response = s.get("response", DURATION, d.response());
    Duration clientIdle = s.get("client_idle", DURATION, d.clientIdle());
    Duration backendIdle = s.get("backend_idle", DURATION, d.backendIdle());
    Duration backendRead = s.get("backend_read", DURATION, d.backendRead());
    Duration drain = s.get("drain", DURATION, d.drain());
    s.rejectUnknown();
    return problems.errorCount() != before ? null : build(s.mark(), s.path(),
        () -> new TimeoutsConfig(connect, response, clientIdle, backendIdle, backendRead, drain));
  }

  private LimitsConfig limits(Section s) {
    LimitsConfig d = LimitsConfig.DEFAULTS;
    int before = problems.errorCount();
    Integer uri = s.get("max_uri_length",
        Value.size(LimitsConfig.MIN_URI_LENGTH, LimitsConfig.MAX_SIZE), d.maxUriLength());
    Integer header = s.get("max_header_size",
        Value.size(LimitsConfig.MIN_HEADER_SIZE, LimitsConfig.MAX_SIZE), d.maxHeaderSize());
    s.rejectUnknown();
    return problems.errorCount() != before ? null
        : build(s.mark(), s.path(), () -> new LimitsConfig(uri, header));
  }

  private ForwardingConfig forwarding(Section s) {
    ForwardingConfig d = ForwardingConfig.DEFAULTS;
    int before = problems.errorCount();
    Boolean xForwarded = s.get("x_forwarded", BOOL, d.xForwarded());
    Boolean forwarded = s.get("forwarded", BOOL, d.forwarded());
    List<Cidr> trusted = s.get("trusted_proxies",
        Value.list(Value.textual("a CIDR such as \"10.0.0.0/8\" or an IP address", Cidr::parse), 0),
        d.trustedProxies());
    String requestId = s.get("request_id_header",
        Value.string("a header name (letters, digits and !#$%&'*+.^_`|~-)", ForwardingConfig.TOKEN),
        d.requestIdHeader());
    s.rejectUnknown();
    return problems.errorCount() != before ? null : build(s.mark(), s.path(),
        () -> new ForwardingConfig(xForwarded, forwarded, trusted, requestId));
  }

  private AdminConfig admin(Section s) {
    AdminConfig d = AdminConfig.DEFAULTS;
    int before = problems.errorCount();
    Boolean enabled = s.get("enabled", BOOL, d.enabled());
    HostPort bind = s.get("bind", Value.hostPort(true), d.bind());
    String token = s.get("token", Value.string("a token of at least "
        + AdminConfig.MIN_TOKEN_LENGTH + " printable characters, no spaces", ADMIN_TOKEN), null);
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    if (enabled) {
      checkBind(bind, s.markOf("bind"), s.path("bind"), "the admin listener");
      if (!bind.isLoopback()) {
        problems.warning(s.markOf("bind"), s.path("bind"), "'" + bind
            + "' is not a loopback address: the admin API will be reachable from the network");
      }
    }
    return build(s.mark(), s.path(), () -> new AdminConfig(enabled, bind, Optional.ofNullable(token)));
  }

  private AccessLogConfig accessLog(Section s) {
    AccessLogConfig d = AccessLogConfig.DEFAULTS;
    int before = problems.errorCount();
    Boolean enabled = s.get("enabled", BOOL, d.enabled());
    String path = s.get("path", Value.string("\"stdout\" or a file path", Pattern.compile(".*\\S.*")), d.path());
    Integer queueSize = s.get("queue_size", Value.integer(1, AccessLogConfig.MAX_QUEUE_SIZE), d.queueSize());
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    if (enabled && !path.equals(AccessLogConfig.STDOUT)) {
      checkLogFile(path, s.markOf("path"), s.path("path"));
    }
    return problems.errorCount() != before ? null
        : build(s.mark(), s.path(), () -> new AccessLogConfig(enabled, path, queueSize));
  }

  private void checkLogFile(String path, Mark at, String fieldPath) {
    Path file;
    try {
      file = Path.of(path).toAbsolutePath();
    } catch (InvalidPathException e) {
      problems.error(at, fieldPath, "'" + path + "' is not a valid path (" + e.getReason() + ")");
      return;
    }
    Path parent = file.getParent();
    if (Files.isDirectory(file)) {
      problems.error(at, fieldPath, "'" + path + "' is a directory (expected: a file path or \"stdout\")");
    } else if (parent != null && !Files.isDirectory(parent)) {
      problems.error(at, fieldPath, "directory '" + parent
          + "' does not exist (expected: the log file's directory to exist)");
    }
  }

  // ---- helpers ---------------------------------------------------------------------------

  /** The mappings of a required, non-empty list of {@code noun}s; empty after reporting. */
  private List<Section> sections(Section parent, String key, String noun) {
    String expected = "a list of " + noun + "s";
    Optional<YamlNode> node = parent.required(key, expected);
    if (node.isEmpty()) {
      return List.of();
    }
    if (!(node.get() instanceof ListNode list)) {
      problems.error(node.get().mark(), parent.path(key), Value.wrongType(node.get(), expected));
      return List.of();
    }
    if (list.items().isEmpty()) {
      problems.error(list.mark(), parent.path(key), "an empty list (expected: at least one " + noun + ")");
      return List.of();
    }
    List<Section> sections = new ArrayList<>();
    for (int i = 0; i < list.items().size(); i++) {
      Section.of(list.items().get(i), parent.path(key) + "[" + i + "]", problems).ifPresent(sections::add);
    }
    return sections;
  }

  private <T> T optionalSection(Section top, String key, Function<Section, T> reader, T defaults) {
    Optional<YamlNode> node = top.optional(key);
    if (node.isEmpty()) {
      return defaults;
    }
    return Section.of(node.get(), top.path(key), problems).map(reader).orElse(null);
  }

  private void unique(Section s, String name, Map<String, Mark> seen, String what) {
    if (name == null) {
      return;
    }
    Mark first = seen.putIfAbsent(name, s.markOf("name"));
    if (first != null) {
      duplicate(s, name, first, what);
    }
  }

  private void duplicate(Section s, String name, Mark first, String what) {
    problems.error(s.markOf("name"), s.path("name"), "duplicate " + what + " name '" + name
        + "' (first at " + first + "; expected: unique " + what + " names)");
  }

  private static String suggest(String name, Iterable<String> candidates, String otherwise) {
    String best = null;
    int bestDistance = 3;
    for (String candidate : candidates) {
      int d = Section.distance(name, candidate);
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best == null ? otherwise : "did you mean '" + best + "'?";
  }

  /**
   * Builds a record whose parts were all checked. The records check their own invariants too;
   * if one ever finds something the reader missed, it is still reported as an error in the file
   * rather than thrown at the operator.
   */
  private <T> T build(Mark at, String path, Supplier<T> constructor) {
    return problems.build(at, path, constructor);
  }
}
