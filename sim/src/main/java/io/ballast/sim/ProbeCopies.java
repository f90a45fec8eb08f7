package io.ballast.sim;

import io.ballast.core.Backend;
import io.ballast.core.attempt.AttemptListener;
import io.ballast.core.attempt.Attempts;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.retry.AttemptFailure;
import io.ballast.core.retry.RetryBudgetSettings;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.retry.RetrySettings;
import java.time.Duration;
import java.util.Set;

/**
 * Probes aside in the simulator, as the proxy's {@code AsideProbes} sends them: when a pick
 * names a backend to probe beside a request ({@code PickResult.Picked#probe}), a copy of the
 * request goes to that backend as one attempt of its own on the pool, never retried, answered to
 * nobody and left out of the clients' figures; it takes a worker (or a place in the queue) like
 * any request, and its outcome reaches the backend's load, gate and outlier tracker through the
 * attempt protocol. A copy the backend never answers ends at {@code timeoutNanos} as a timeout.
 *
 * <p>Single-threaded: the simulation thread.
 */
final class ProbeCopies {
  /** A copy is one attempt, as the proxy's mirror of the pool makes it. */
  private static final RetrySettings ONE_ATTEMPT = new RetrySettings(1, Duration.ZERO,
      Duration.ZERO, Set.of(), Set.of(), 0, RetryBudgetSettings.DEFAULTS);

  private final VirtualScheduler scheduler;
  private final LoadBalancer lb;
  private final RetryPolicy policy;
  private final long timeoutNanos;
  private long sent;

  ProbeCopies(VirtualScheduler scheduler, LoadBalancer lb, long timeoutNanos) {
    this.scheduler = scheduler;
    this.lb = lb;
    this.policy = new RetryPolicy(ONE_ATTEMPT, scheduler);
    this.timeoutNanos = timeoutNanos;
  }

  /** Copies sent so far. */
  long sent() {
    return sent;
  }

  /** Sends a copy to {@code backend}, served by {@code model}. */
  void send(Backend backend, SimBackend model) {
    Attempts attempts = new Attempts(scheduler, AttemptListener.NONE);
    attempts.start(lb, policy, ctx -> backend.picked(), "GET", 0L, -1);
    if (attempts.next() == null) {
      // Its circuit breaker refused: a copy is dropped, never retried.
      return;
    }
    sent++;
    if (!model.alive()) {
      attempts.connectFailed("connection refused (probe)");
      return;
    }
    attempts.connected();
    attempts.sending();
    Copy c = new Copy(attempts, backend, model, scheduler.nanos());
    scheduler.after(timeoutNanos, c.timer);
    model.accept(c);
  }

  /** One copy at its backend. */
  private static final class Copy extends SimAttempt {
    private final Attempts attempts;
    final SimEvent timer = new SimEvent() {
      @Override
      protected void fire() {
        if (!abandoned) {
          abandoned = true;
          attempts.failed(AttemptFailure.PER_TRY_TIMEOUT, "no answer to the probe");
        }
      }
    };

    Copy(Attempts attempts, Backend backend, SimBackend model, long startNanos) {
      super(backend, model, startNanos);
      this.attempts = attempts;
    }

    @Override
    protected void fire() {
      if (!overflow) {
        model.finished(this);
      }
      if (abandoned || error == ErrorKind.HANG) {
        return;
      }
      abandoned = true;
      timer.cancel();
      if (error == ErrorKind.RESET) {
        attempts.failed(AttemptFailure.RESET_AFTER_SENT, backend.name() + " reset the probe");
      } else if (!attempts.answered(status)) {
        if (error == ErrorKind.TRUNCATED) {
          attempts.broken(backend.name() + " cut the probe's answer");
        } else {
          attempts.completed();
        }
      }
    }
  }
}
