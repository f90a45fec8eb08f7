package io.ballast.server.optimizer;

import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import io.ballast.core.decision.Decision;
import io.ballast.core.decision.DecisionLog;
import io.ballast.core.optimizer.PoolOptimizer;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's decision trail: every pool's health changes, ejections, returns, panic and
 * circuit transitions, and (through each pool's {@link PoolOptimizer}) every weight, warm-up and
 * scaling decision, go to the {@link DecisionLog} behind {@code /admin/decisions} and to the
 * application log, one line each, under the logger {@value #LOGGER}.
 *
 * <p>As a {@link PoolListener} it also hands a returning backend's warm-up to its pool's
 * optimizer. Pools are built before their optimizers (an optimizer needs its pool), so
 * optimizers are registered afterwards with {@link #register}; events arrive on the control loop
 * once the pools run.
 *
 * <p>Threading: thread-safe. Listener calls come from the control loop; {@link #circuit} may come
 * from the circuit breakers' threads.
 */
public final class DecisionRecorder implements PoolListener {
  /** The logger every decision is written to. */
  public static final String LOGGER = "io.ballast.decisions";
  private static final Logger DECISIONS = LoggerFactory.getLogger(LOGGER);

  private final DecisionLog log;
  private final Map<String, PoolOptimizer> optimizers = new ConcurrentHashMap<>();

  public DecisionRecorder(DecisionLog log) {
    this.log = Objects.requireNonNull(log, "log");
  }

  public DecisionLog log() {
    return log;
  }

  /** Hands the pool's feedback warm-up to its optimizer from now on. */
  public void register(PoolOptimizer optimizer) {
    optimizers.put(optimizer.pool().name(), optimizer);
  }

  /** Stops handing the pool's warm-up to {@code optimizer} (it stopped). */
  public void unregister(PoolOptimizer optimizer) {
    optimizers.remove(optimizer.pool().name(), optimizer);
  }

  /** Writes a decision the optimizer already put in the log to the application log. */
  public void logLine(Decision d) {
    DECISIONS.info("pool {}: {}", d.pool(), d.message());
  }

  /** Keeps a decision and writes it to the application log. */
  public void record(Decision d) {
    log.append(d);
    logLine(d);
  }

  /** A circuit breaker of the pool changed state. */
  public void circuit(LoadBalancer pool, Backend backend, String from, String to, String reason) {
    record(new Decision(pool.nowNanos(), pool.name(), backend.name(), Decision.Kind.CIRCUIT, from,
        to, reason));
  }

  @Override
  public void onWarmupStart(LoadBalancer pool, Backend backend) {
    PoolOptimizer optimizer = optimizers.get(pool.name());
    if (optimizer != null) {
      optimizer.onWarmupStart(pool, backend);
    }
  }

  @Override
  public void onHealthChange(LoadBalancer pool, Backend backend, HealthState from, HealthState to,
      String reason) {
    record(new Decision(pool.nowNanos(), pool.name(), backend.name(), Decision.Kind.HEALTH,
        from.name().toLowerCase(java.util.Locale.ROOT), to.name().toLowerCase(java.util.Locale.ROOT),
        reason));
  }

  @Override
  public void onEjection(LoadBalancer pool, Backend backend, boolean ejected, String reason) {
    record(new Decision(pool.nowNanos(), pool.name(), backend.name(),
        ejected ? Decision.Kind.EJECTION : Decision.Kind.RETURN, ejected ? "in" : "out",
        ejected ? "out" : "in", reason));
  }

  @Override
  public void onPanic(LoadBalancer pool, boolean panic, String reason) {
    record(new Decision(pool.nowNanos(), pool.name(), null, Decision.Kind.PANIC,
        panic ? "off" : "on", panic ? "on" : "off", reason));
  }

  @Override
  public void onMembersChanged(LoadBalancer pool, java.util.List<Backend> added,
      java.util.List<Backend> removed, java.util.List<Backend> updated, String reason) {
    long now = pool.nowNanos();
    for (Backend b : added) {
      record(new Decision(now, pool.name(), b.name(), Decision.Kind.MEMBERSHIP, "out", "in",
          "joins at " + b.address() + ", weight " + b.weight() + ": " + reason));
    }
    for (Backend b : removed) {
      record(new Decision(now, pool.name(), b.name(), Decision.Kind.MEMBERSHIP, "in", "out",
          "leaves " + b.address() + ", draining: " + reason));
    }
    for (Backend b : updated) {
      record(new Decision(now, pool.name(), b.name(), Decision.Kind.MEMBERSHIP, null, null,
          "now weight " + b.weight() + (b.zone() == null ? "" : ", zone " + b.zone()) + ": "
              + reason));
    }
  }
}
