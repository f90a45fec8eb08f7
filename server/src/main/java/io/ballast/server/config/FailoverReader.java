package io.ballast.server.config;

import io.ballast.core.circuit.CircuitBreakerSettings;
import io.ballast.core.circuit.WindowType;
import io.ballast.core.outlier.OutlierSettings;
import io.ballast.core.retry.RetryBudgetSettings;
import io.ballast.core.retry.RetrySettings;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads what a pool does about failing backends and requests: {@code retries} (with its
 * {@code budget}; a route's retries are read here too), {@code circuit_breaker} and
 * {@code outlier_detection}. Unset keys keep the defaults of the core settings. Each method
 * returns null after reporting errors. Not thread-safe: one load at a time.
 */
final class FailoverReader {
  private static final Value<Duration> DURATION = Value.duration();
  private static final Value<Duration> DURATION_OR_OFF = Value.durationOrOff();
  private static final Pattern WINDOW_TYPE = Pattern.compile("count|time");

  private final Problems problems;

  FailoverReader(Problems problems) {
    this.problems = problems;
  }

  /** Retries and the retry budget; unset keys keep {@link RetrySettings#DEFAULTS}. */
  RetrySettings retries(Section s) {
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
    RetryBudgetSettings budget = s.child("budget").map(this::retryBudget).orElse(d.budget());
    if (perTry != null && overall != null && !perTry.isZero() && !overall.isZero()
        && perTry.compareTo(overall) > 0) {
      problems.error(s.markOf("per_try_timeout"), s.path("per_try_timeout"), Units.format(perTry)
          + " (expected: <= overall_timeout " + Units.format(overall) + ")");
    }
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    return problems.build(s.mark(), s.path(), () -> new RetrySettings(attempts, perTry, overall,
        Set.copyOf(statuses), Set.copyOf(methods), buffered, budget));
  }

  private RetryBudgetSettings retryBudget(Section s) {
    RetryBudgetSettings d = RetryBudgetSettings.DEFAULTS;
    int before = problems.errorCount();
    Boolean enabled = s.get("enabled", Value.bool(), d.enabled());
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
    return problems.build(s.mark(), s.path(),
        () -> new RetryBudgetSettings(enabled, percent, floor, window));
  }

  /** A circuit breaker per backend; unset keys keep {@link CircuitBreakerSettings#DEFAULTS}. */
  CircuitBreakerSettings circuitBreaker(Section s) {
    CircuitBreakerSettings d = CircuitBreakerSettings.DEFAULTS;
    int before = problems.errorCount();
    String type = s.get("window_type", Value.string("count or time", WINDOW_TYPE),
        d.windowType().name().toLowerCase(Locale.ROOT));
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
    return problems.build(s.mark(), s.path(), () -> new CircuitBreakerSettings(
        time ? WindowType.TIME : WindowType.COUNT, size, minimum, failureRate, slowCall, slowRate,
        wait, halfOpen, concurrent));
  }

  /**
   * Outlier detection, flat keys; a count or threshold of 0 turns its rule off. Unset keys keep
   * {@link OutlierSettings#DEFAULTS}.
   */
  OutlierSettings outlierDetection(Section s) {
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
    return problems.build(s.mark(), s.path(), () -> new OutlierSettings(interval, base, max,
        percent,
        c5xx == 0 ? OutlierSettings.Consecutive.OFF : new OutlierSettings.Consecutive(true, c5xx),
        cGateway == 0 ? OutlierSettings.Consecutive.OFF
            : new OutlierSettings.Consecutive(true, cGateway),
        false, d.consecutiveLocalOriginFailure(),
        stdev == 0 ? OutlierSettings.SuccessRate.OFF
            : new OutlierSettings.SuccessRate(true, srHosts, srVolume, stdev),
        fpThreshold == 0 ? OutlierSettings.FailurePercentage.OFF
            : new OutlierSettings.FailurePercentage(true, fpThreshold, fpHosts, fpVolume)));
  }
}
