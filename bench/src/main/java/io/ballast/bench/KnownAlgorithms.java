package io.ballast.bench;

import io.ballast.core.pick.Algorithm;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Prints the config names of the algorithms this build knows, comma-separated, for
 * {@code bench/jmh.sh} to pass as {@code -p algorithm=...}.
 */
public final class KnownAlgorithms {
  private KnownAlgorithms() {}

  /** The names joined by commas: "round-robin,weighted-round-robin,...". */
  public static String list() {
    return Arrays.stream(Algorithm.values()).map(Algorithm::configName)
        .collect(Collectors.joining(","));
  }

  public static void main(String[] args) {
    System.out.println(list());
  }
}
