package io.ballast.core.attempt;

import io.ballast.core.Backend;
import io.ballast.core.PickResult;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.retry.RetryState;

/**
 * Where one request's attempts get their backends: its chooser (a session's) or its pool's
 * picker; the way back to a backend already tried when a retry may take one
 * ({@link RetryState#mayRetryOnTriedBackend()}); why there was none; and the backend a pick
 * asked to probe with a copy of the request ({@link PickResult.Picked#probe}).
 *
 * <p>Reused from request to request ({@link #start}); allocates nothing. Not thread-safe: owned
 * by one {@link Attempts}, on its thread.
 */
final class AttemptPicks {
  private LoadBalancer pool;
  private Attempts.Chooser chooser;
  private PickResult.Reason noBackend;
  private Backend probe;

  /** A request begins: its picks come from {@code chooser}, or {@code pool}'s picker when null. */
  void start(LoadBalancer pool, Attempts.Chooser chooser) {
    this.pool = pool;
    this.chooser = chooser;
    noBackend = null;
    probe = null;
  }

  /**
   * The next backend for {@code retry}'s next attempt, or null ({@link #noBackend()} says why).
   * A retry that finds every available backend tried goes back to one of them when the retry
   * state allows it.
   */
  Backend next(RetryState retry) {
    PickResult result = choose(retry);
    if (result instanceof PickResult.Picked picked) {
      probe = picked.probe();
      return picked.backend();
    }
    PickResult.NoBackend none = (PickResult.NoBackend) result;
    if (retry.mayRetryOnTriedBackend() && none.reason() == PickResult.Reason.ALL_EXCLUDED) {
      retry.allowTriedBackends();
      result = choose(retry);
      if (result instanceof PickResult.Picked picked) {
        return picked.backend();
      }
      none = (PickResult.NoBackend) result;
    }
    noBackend = none.reason();
    return null;
  }

  /** Why the last {@link #next} found no backend. */
  PickResult.Reason noBackend() {
    return noBackend;
  }

  /** The backend the last pick asked to probe with a copy of the request, once; else null. */
  Backend takeProbe() {
    Backend b = probe;
    probe = null;
    return b;
  }

  private PickResult choose(RetryState retry) {
    Attempts.Chooser c = chooser;
    return c == null ? pool.picker().pick(retry) : c.choose(retry);
  }
}
