package io.ballast.core.signal;

import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * One report of a backend's own view of its load, from one source. Immutable.
 *
 * @param source where it came from
 * @param atNanos when it was received, on the pool's {@code Ticker}
 * @param figures utilization figures by name ({@code cpu=0.72} gives "cpu" → 0.72); finite and
 *     non-negative; copied
 * @param weightPercent the weight the backend asks for, in percent of its configured weight
 *     (an agent's "75%"), or -1 when the report names none
 * @param command the state the backend asks for, {@link AgentCommand#NONE} when it names none
 */
public record LoadReport(SignalSource source, long atNanos, Map<String, Double> figures,
    int weightPercent, AgentCommand command) {
  public LoadReport {
    Objects.requireNonNull(source, "source");
    figures = Map.copyOf(figures);
    Objects.requireNonNull(command, "command");
    for (Map.Entry<String, Double> e : figures.entrySet()) {
      double v = e.getValue();
      if (!Double.isFinite(v) || v < 0) {
        throw new IllegalArgumentException(
            "figures." + e.getKey() + ": " + v + " (expected: a finite number >= 0)");
      }
    }
    if (weightPercent < -1) {
      throw new IllegalArgumentException(
          "weightPercent: " + weightPercent + " (expected: >= 0, or -1 for none)");
    }
  }

  /** A report of figures only. */
  public static LoadReport figures(SignalSource source, long atNanos, Map<String, Double> figures) {
    return new LoadReport(source, atNanos, figures, -1, AgentCommand.NONE);
  }

  /** The named figure, if the report carries it. */
  public OptionalDouble figure(String name) {
    Double v = figures.get(name);
    return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
  }
}
