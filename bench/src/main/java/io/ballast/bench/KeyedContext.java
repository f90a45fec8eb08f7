package io.ballast.bench;

import io.ballast.core.PickContext;

/**
 * A reusable pick context whose hash key the benchmark changes before each pick, as the proxy
 * does with one mutable context per request: first attempt, nothing excluded.
 *
 * <p>Used by one thread at a time (it lives in a JMH thread-scoped state).
 */
final class KeyedContext implements PickContext {
  private long key;

  void key(long key) {
    this.key = key;
  }

  @Override
  public long hashKey() {
    return key;
  }
}
