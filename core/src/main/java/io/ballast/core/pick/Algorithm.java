package io.ballast.core.pick;

import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The balancing algorithms a pool can use, by the name they have in the config file. */
public enum Algorithm {
  ROUND_ROBIN("round-robin", false, o -> RoundRobinPicker.FACTORY),
  WEIGHTED_ROUND_ROBIN("weighted-round-robin", false, o -> SmoothWeightedRoundRobinPicker.FACTORY),
  LEAST_CONNECTIONS("least-connections", false, o -> LeastConnectionsPicker.FACTORY),
  RANDOM("random", false, o -> RandomPicker.FACTORY),
  WEIGHTED_RANDOM("weighted-random", false, o -> WeightedRandomPicker.FACTORY),
  LEAST_REQUEST("least-request", false, LeastRequestPicker::factory),
  PEAK_EWMA("peak-ewma", false, PeakEwmaPicker::factory),
  LEAST_CONNECTIONS_RESPONSE_TIME("least-connections-response-time", false,
      LeastConnectionsResponseTimePicker::factory),
  RING_HASH("ring-hash", true, RingHashPicker::factory),
  MAGLEV("maglev", true, MaglevPicker::factory),
  BOUNDED_LOAD_HASH("bounded-load-hash", true, BoundedLoadHashPicker::factory),
  AUTO("auto", false, AutoPicker::factory);

  private final String configName;
  private final boolean hashBased;
  private final Function<AlgorithmOptions, PickerFactory> factory;

  Algorithm(String configName, boolean hashBased,
      Function<AlgorithmOptions, PickerFactory> factory) {
    this.configName = configName;
    this.hashBased = hashBased;
    this.factory = factory;
  }

  public String configName() {
    return configName;
  }

  /** True when the algorithm picks by the request's hash key ({@code PickContext.hashKey()}). */
  public boolean hashBased() {
    return hashBased;
  }

  /**
   * True when the picker compares a backend with the pool's total in flight
   * ({@code PoolSnapshot.load()}); only then do the backends keep that shared counter.
   */
  public boolean needsPoolLoad() {
    return this == BOUNDED_LOAD_HASH;
  }

  /** The factory for this algorithm with the given tunables. */
  public PickerFactory factory(AlgorithmOptions options) {
    return factory.apply(options);
  }

  /** The factory with {@link AlgorithmOptions#DEFAULTS}. */
  public PickerFactory factory() {
    return factory(AlgorithmOptions.DEFAULTS);
  }

  public static Optional<Algorithm> byConfigName(String name) {
    return Arrays.stream(values()).filter(a -> a.configName.equals(name)).findFirst();
  }

  /** The accepted names, for error messages: "round-robin, weighted-round-robin, ...". */
  public static String configNames() {
    return Arrays.stream(values()).map(Algorithm::configName).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return configName;
  }
}
