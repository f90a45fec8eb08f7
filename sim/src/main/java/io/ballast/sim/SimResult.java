package io.ballast.sim;

import java.util.List;
import java.util.Locale;

/**
 * The outcome of a {@link Simulation}: one {@link VariantResult} per variant, in scenario order.
 * Immutable. {@link #table()} is the comparison table (Markdown); it holds no wall-clock figure,
 * so the same seed gives the same table.
 *
 * @param scenario what ran
 * @param variants results in scenario order
 * @param requests requests simulated over all variants
 * @param wallNanos real time the run took
 */
public record SimResult(Scenario scenario, List<VariantResult> variants, long requests,
    long wallNanos) {
  public SimResult {
    variants = List.copyOf(variants);
  }

  public VariantResult variant(String name) {
    return variants.stream().filter(v -> v.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no variant " + name));
  }

  /**
   * The comparison table: per variant p50, p99, p99.9 and mean latency (ms), errors (percent of
   * requests), attempts per request, and each backend's share of the attempts (percent).
   */
  public String table() {
    StringBuilder b = new StringBuilder();
    b.append("| variant | requests | p50 ms | p99 ms | p99.9 ms | mean ms | errors % | attempts/req |");
    for (BackendSpec s : scenario.backends()) {
      b.append(' ').append(s.name()).append(" % |");
    }
    b.append('\n').append("|---|---:|---:|---:|---:|---:|---:|---:|");
    b.append("---:|".repeat(scenario.backends().size())).append('\n');
    for (VariantResult v : variants) {
      b.append("| ").append(v.name())
          .append(" | ").append(v.requests())
          .append(" | ").append(ms(v.percentileMillis(50)))
          .append(" | ").append(ms(v.percentileMillis(99)))
          .append(" | ").append(ms(v.percentileMillis(99.9)))
          .append(" | ").append(ms(v.meanMillis()))
          .append(" | ").append(String.format(Locale.ROOT, "%.2f", v.errorPercent()))
          .append(" | ").append(String.format(Locale.ROOT, "%.3f",
              v.requests() == 0 ? 0.0 : (double) v.attempts() / v.requests()))
          .append(" |");
      for (int i = 0; i < scenario.backends().size(); i++) {
        b.append(' ').append(String.format(Locale.ROOT, "%.1f", v.sharePercent(i))).append(" |");
      }
      b.append('\n');
    }
    return b.toString();
  }

  /** A one-line summary of the run's size and speed. */
  public String speed() {
    double seconds = wallNanos / 1e9;
    return String.format(Locale.ROOT, "%d requests simulated in %.2f s (%.0f requests/s)",
        requests, seconds, seconds == 0 ? 0.0 : requests / seconds);
  }

  private static String ms(double v) {
    if (Double.isNaN(v)) {
      return "-";
    }
    return String.format(Locale.ROOT, v < 10 ? "%.2f" : v < 100 ? "%.1f" : "%.0f", v);
  }
}
