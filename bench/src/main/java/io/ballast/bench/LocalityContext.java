package io.ballast.bench;

import io.ballast.core.PickContext;

/**
 * A reusable pick context carrying the client's zone index, as the proxy's one mutable context
 * per request does after it has looked the client's "region/zone" up: first attempt, no hash key,
 * nothing excluded.
 *
 * <p>Used by one thread at a time (it lives in a JMH thread-scoped state).
 */
final class LocalityContext implements PickContext {
  private final int locality;

  /** @param locality the client's zone index in the pool's zone map, or -1 for unknown */
  LocalityContext(int locality) {
    this.locality = locality;
  }

  @Override
  public int locality() {
    return locality;
  }
}
