package io.ballast.server.config;

import io.ballast.core.optimizer.WeightControlSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads a pool's {@code weight_control} block: the controller's objective, gains, bounds and
 * thresholds, its {@code warmup} and its {@code scaling} signals with their webhook. Not
 * thread-safe: one load at a time.
 */
final class WeightControlReader {
  private static final Value<Duration> DURATION = Value.duration();
  private static final Pattern OBJECTIVE = Pattern.compile("utilization|latency");
  private static final Pattern FIGURE = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,63}");
  private static final Pattern WEBHOOK = Pattern.compile("https?://[!-~]+");

  private final Problems problems;

  WeightControlReader(Problems problems) {
    this.problems = problems;
  }

  /**
   * The weight controller of a pool; unset keys keep {@link WeightControlSettings#DEFAULTS}.
   * Under the latency objective, {@code target} and the scaling thresholds are durations (a p99);
   * under the utilization objective they are figures such as 0.6. Null after reporting errors.
   */
  WeightControlConfig weightControl(Section s) {
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
    WeightControlSettings.Warmup warmup = s.child("warmup").map(this::warmup)
        .orElse(WeightControlSettings.Warmup.OFF);
    Optional<Section> scalingSection = s.child("scaling");
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
    URI uri = null;
    if (webhook != null) {
      try {
        uri = new URI(webhook);
      } catch (URISyntaxException e) {
        problems.error(at, path, webhook + " (expected: a URL: " + e.getReason() + ")");
        return null;
      }
    }
    Optional<URI> hook = Optional.ofNullable(uri);
    return problems.build(at, path, () -> new WeightControlConfig(settings, hook, webhookTimeout));
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
    return problems.build(s.mark(), s.path(), () -> new WeightControlSettings.Warmup(start, step,
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
    return problems.build(s.markOf("cold_below"), s.path("cold_below"),
        () -> new WeightControlSettings.Scaling(hot, cold, sustain, cooldown));
  }
}
