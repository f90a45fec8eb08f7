package io.ballast.core.pick;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Plain round robin: each backend in turn, ignoring weights.
 *
 * <p>Thread-safe, non-blocking: one atomic increment per pick, no allocation. An excluded backend
 * (already tried for this request) is skipped to the next one in order.
 */
public final class RoundRobinPicker implements Cursor.CursorPicker {
  public static final PickerFactory FACTORY =
      (pool, previous, rng) ->
          new RoundRobinPicker(pool.availableBackends(), Cursor.carryOver(previous, rng));

  private final Backend[] backends;
  private final AtomicLong cursor;

  RoundRobinPicker(List<Backend> backends, AtomicLong cursor) {
    this.backends = backends.toArray(Backend[]::new);
    this.cursor = cursor;
  }

  @Override
  public PickResult pick(PickContext context) {
    Backend[] all = backends;
    return Picks.firstNotExcluded(all, Cursor.index(cursor.getAndIncrement(), all.length), context);
  }

  @Override
  public AtomicLong cursor() {
    return cursor;
  }

  @Override
  public String toString() {
    return "RoundRobinPicker" + Picks.names(backends);
  }
}
