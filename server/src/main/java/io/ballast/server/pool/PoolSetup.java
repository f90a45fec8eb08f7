package io.ballast.server.pool;

import io.ballast.core.Scheduler;
import io.ballast.core.Ticker;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.retry.RetryBudget;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.retry.RetrySettings;
import io.ballast.server.config.PoolConfig;
import io.ballast.server.reload.ConfigDiff;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How a pool's balancer is set up from its configuration (algorithm, options, health policy,
 * panic threshold, slow start), what a reload must set up again, and the retry policy a reload
 * builds while keeping what the pool learnt.
 *
 * <p>Stateless and thread-safe.
 */
final class PoolSetup {
  private PoolSetup() {}

  /** The pool's health policy: its active check levels, or passive health only. */
  static HealthSettings health(PoolConfig p) {
    return p.healthChecks()
        .map(h -> HealthSettings.levels(h.policy(), p.passiveDownTime(),
            p.panicThreshold(), p.slowStart()))
        .orElse(new HealthSettings(1, 1, false, p.passiveDownTime(),
            p.panicThreshold(), p.slowStart()));
  }

  /** True when the balancer must be set up again: algorithm, options or health policy. */
  static boolean changed(PoolConfig was, PoolConfig next) {
    return was.algorithm() != next.algorithm()
        || !ConfigDiff.same(was.options(), next.options())
        || !ConfigDiff.same(health(was), health(next));
  }

  /** What {@link #changed} found, for the log: "algorithm round-robin -> maglev", ... */
  static String describe(PoolConfig was, PoolConfig next) {
    List<String> parts = new ArrayList<>();
    if (was.algorithm() != next.algorithm()) {
      parts.add("algorithm " + was.algorithm() + " -> " + next.algorithm());
    }
    if (!ConfigDiff.same(was.options(), next.options())) {
      parts.add("algorithm options");
    }
    if (!ConfigDiff.same(health(was), health(next))) {
      parts.add("health policy");
    }
    if (parts.isEmpty()) {
      parts.add("zones");
    }
    return String.join(", ", parts);
  }

  /**
   * The retry policy of changed settings: the pool's counters stay (metrics keep counting), and
   * so does its budget (its deposits and spent retries) unless the budget's own settings
   * changed.
   */
  static RetryPolicy retryPolicy(RetryPolicy was, RetrySettings next) {
    RetryBudget budget = ConfigDiff.same(was.settings().budget(), next.budget())
        ? was.budget() : new RetryBudget(next.budget(), Ticker.SYSTEM);
    return new RetryPolicy(next, budget, was.counters(), Ticker.SYSTEM);
  }

  /**
   * Waits until the control loop has run every task posted before: the balancer's thread-safe
   * changes (reconfigure, membership) are posted there, and what follows a change may need it
   * applied (health checks start with the pool's new levels).
   */
  static void barrier(Scheduler control) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    control.execute(() -> done.complete(null));
    try {
      done.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the control loop applied a change", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the control loop did not apply a change in 10 s", e);
    }
  }
}
