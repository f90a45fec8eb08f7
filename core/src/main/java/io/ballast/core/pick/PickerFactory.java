package io.ballast.core.pick;

import io.ballast.core.Picker;
import io.ballast.core.Rng;

/**
 * Builds an algorithm's picker from a snapshot of the pool.
 *
 * <p>Control loop only. {@code previous} is the pool's current picker (any algorithm, or null):
 * a factory reuses what it can when it is of its own kind (round-robin cursors, a hash table over
 * the same members), so that a rebuild after a health flip does not reset positions or redo
 * expensive work. Cursors of a new picker start at a random position so that several instances
 * do not move in lockstep.
 */
@FunctionalInterface
public interface PickerFactory {
  /**
   * @param pool the members, their effective weights and availability; at least one available
   * @param previous the picker being replaced, or null
   * @param rng randomness for seeding cursors
   */
  Picker build(PoolSnapshot pool, Picker previous, Rng rng);
}
