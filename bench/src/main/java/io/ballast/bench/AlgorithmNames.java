package io.ballast.bench;

import io.ballast.core.pick.Algorithm;
import java.util.List;
import java.util.Optional;

/**
 * The algorithm config names the benchmarks are parameterised over, in one place.
 *
 * <p>JMH needs {@code @Param} values at compile time, so {@link PoolBenchmark#algorithm} lists
 * these constants. The list is deliberately wider than any one build: names that the build's
 * {@link Algorithm} enum does not know yet fail their trial's setup with a clear message, and
 * {@code bench/jmh.sh} passes {@code -p algorithm=} with only the known names (from
 * {@link KnownAlgorithms}). A unit test fails when the enum gains a name that is missing here.
 *
 * <p>Constants only; thread-safe.
 */
public final class AlgorithmNames {
  public static final String ROUND_ROBIN = "round-robin";
  public static final String WEIGHTED_ROUND_ROBIN = "weighted-round-robin";
  public static final String LEAST_CONNECTIONS = "least-connections";
  public static final String RANDOM = "random";
  public static final String WEIGHTED_RANDOM = "weighted-random";
  public static final String LEAST_REQUEST = "least-request";
  public static final String PEAK_EWMA = "peak-ewma";
  public static final String LEAST_CONNECTIONS_RESPONSE_TIME = "least-connections-response-time";
  public static final String RING_HASH = "ring-hash";
  public static final String MAGLEV = "maglev";
  public static final String BOUNDED_LOAD_HASH = "bounded-load-hash";
  public static final String AUTO = "auto";

  /** Every name above, in the order of the {@code @Param} list. */
  public static final List<String> ALL = List.of(ROUND_ROBIN, WEIGHTED_ROUND_ROBIN,
      LEAST_CONNECTIONS, RANDOM, WEIGHTED_RANDOM, LEAST_REQUEST, PEAK_EWMA,
      LEAST_CONNECTIONS_RESPONSE_TIME, RING_HASH, MAGLEV, BOUNDED_LOAD_HASH, AUTO);

  private AlgorithmNames() {}

  /**
   * The algorithm of this build with the given config name.
   *
   * @throws IllegalArgumentException naming the algorithms the build knows, when it has no such
   *     algorithm (yet); JMH reports it as the failure of that one trial and moves on
   */
  public static Algorithm resolve(String name) {
    Optional<Algorithm> found = Algorithm.byConfigName(name);
    return found.orElseThrow(() -> new IllegalArgumentException("algorithm: " + name
        + " (expected one this build knows: " + Algorithm.configNames()
        + "; skipped, bench/jmh.sh passes only the known names)"));
  }
}
