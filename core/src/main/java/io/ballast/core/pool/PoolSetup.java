package io.ballast.core.pool;

import io.ballast.core.pick.Algorithm;
import io.ballast.core.pick.AlgorithmOptions;
import io.ballast.core.pick.PickerFactory;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * What a pool balances with: replaced whole by {@link LoadBalancer#reconfigure}, so that a reader
 * never sees the algorithm of one setup with the factory of another. Immutable.
 *
 * @param factory the algorithm's factory, decorated
 */
record PoolSetup(Algorithm algorithm, AlgorithmOptions options, PickerFactory factory,
    HealthSettings health) {

  /**
   * Decorates the algorithm's factory here, so that a decorator's complaint reaches whoever asked
   * for the setup rather than the control loop.
   */
  static PoolSetup of(Algorithm algorithm, AlgorithmOptions options,
      UnaryOperator<PickerFactory> decorator, HealthSettings health) {
    Objects.requireNonNull(algorithm, "algorithm");
    PickerFactory factory = Objects.requireNonNull(
        Objects.requireNonNull(decorator, "decorator")
            .apply(algorithm.factory(Objects.requireNonNull(options, "options"))),
        "decorated factory");
    return new PoolSetup(algorithm, options, factory, Objects.requireNonNull(health, "health"));
  }
}
