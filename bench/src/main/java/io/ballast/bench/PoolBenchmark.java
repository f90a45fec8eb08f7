package io.ballast.bench;

import io.ballast.core.pick.Algorithm;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The parameters every pick-path benchmark shares: the algorithm by config name and how the pool
 * is weighted. Subclasses add the pool size and the measured methods.
 *
 * <p>JMH state, one instance per trial; set up and read by the benchmark threads as JMH
 * prescribes (setup happens-before the measured calls).
 */
@State(Scope.Benchmark)
public abstract class PoolBenchmark {
  /**
   * Every algorithm name planned for ballast (see {@link AlgorithmNames}); names this build does
   * not know fail their setup with a message and are skipped.
   */
  @Param({AlgorithmNames.ROUND_ROBIN, AlgorithmNames.WEIGHTED_ROUND_ROBIN,
      AlgorithmNames.LEAST_CONNECTIONS, AlgorithmNames.RANDOM, AlgorithmNames.WEIGHTED_RANDOM,
      AlgorithmNames.LEAST_REQUEST, AlgorithmNames.PEAK_EWMA,
      AlgorithmNames.LEAST_CONNECTIONS_RESPONSE_TIME, AlgorithmNames.RING_HASH,
      AlgorithmNames.MAGLEV, AlgorithmNames.BOUNDED_LOAD_HASH, AlgorithmNames.AUTO})
  public String algorithm;

  /** {@value Pools#MIXED} (weights 1, 2, 3, 4 repeating) or {@value Pools#UNIFORM} (all 1). */
  @Param({Pools.MIXED})
  public String weights;

  /** The algorithm named by {@link #algorithm}, or an exception that names the known ones. */
  protected final Algorithm resolveAlgorithm() {
    return AlgorithmNames.resolve(algorithm);
  }
}
