package io.ballast.core.pick;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** The balancing algorithms a pool can use, by the name they have in the config file. */
public enum Algorithm {
  ROUND_ROBIN("round-robin", RoundRobinPicker.FACTORY),
  WEIGHTED_ROUND_ROBIN("weighted-round-robin", SmoothWeightedRoundRobinPicker.FACTORY),
  LEAST_CONNECTIONS("least-connections", LeastConnectionsPicker.FACTORY);

  private final String configName;
  private final PickerFactory factory;

  Algorithm(String configName, PickerFactory factory) {
    this.configName = configName;
    this.factory = factory;
  }

  public String configName() {
    return configName;
  }

  public PickerFactory factory() {
    return factory;
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
