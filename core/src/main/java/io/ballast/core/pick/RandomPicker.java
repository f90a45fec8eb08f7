package io.ballast.core.pick;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Picker;
import io.ballast.core.Rng;
import java.util.List;
import java.util.Objects;

/**
 * Uniform random choice among the available backends, ignoring weights and load. Useful when many
 * balancer instances share backends and must not move in lockstep, with no state at all.
 *
 * <p>Thread-safe, non-blocking, no allocation per pick: one draw from the factory's {@link Rng#forPickers()}.
 * An excluded backend (already tried for this request) is skipped to the next one in pool order.
 */
public final class RandomPicker implements Picker {
  public static final PickerFactory FACTORY =
      (pool, previous, rng) -> new RandomPicker(pool.availableBackends(), rng.forPickers());

  private final Backend[] backends;
  private final Rng rng;

  /**
   * @param rng the factory's {@link Rng#forPickers()}: thread-local on the data plane, seeded in
   *     the simulator and single-thread tests
   */
  RandomPicker(List<Backend> backends, Rng rng) {
    this.backends = backends.toArray(Backend[]::new);
    this.rng = Objects.requireNonNull(rng, "rng");
    if (this.backends.length == 0) {
      throw new IllegalArgumentException("backends: [] (expected: at least one)");
    }
  }

  @Override
  public PickResult pick(PickContext context) {
    Backend[] all = backends;
    int i = rng.nextInt(all.length);
    Backend b = all[i];
    return context.isExcluded(b) ? Picks.firstNotExcluded(all, i, context) : b.picked();
  }

  @Override
  public String toString() {
    return "RandomPicker" + Picks.names(backends);
  }
}
