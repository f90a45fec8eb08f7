package io.ballast.core.pick;

import io.ballast.core.Backend;
import io.ballast.core.Picker;
import io.ballast.core.Rng;
import java.util.List;

/**
 * Builds an algorithm's picker from the backends that may take traffic now.
 *
 * <p>Control loop only. {@code previous} is the pool's current picker (any algorithm, or null):
 * a factory reuses its cursors when it is of its own kind, so that a rebuild after a health flip
 * does not reset round-robin positions. Cursors of a new picker start at a random position so that
 * several instances do not move in lockstep.
 */
@FunctionalInterface
public interface PickerFactory {
  /**
   * @param backends the available backends, in pool order; never empty
   * @param weights the effective weight of each backend, same order, each at least 1
   * @param previous the picker being replaced, or null
   * @param rng randomness for seeding cursors
   */
  Picker build(List<Backend> backends, int[] weights, Picker previous, Rng rng);
}
