package io.ballast.sim;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

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

  /** The comparison with the oracle, or empty when the scenario has none. */
  public Optional<OracleComparison> oracle() {
    return OracleComparison.of(scenario, variants);
  }

  /**
   * The comparison table: per variant p50, p99, p99.9 and mean latency (ms), errors (percent of
   * requests), attempts per request, and each backend's share of the attempts (percent). With an
   * oracle, p99 and p99.9 as ratios to the oracle's (overall, and the worst second after the
   * first second of each event), a line saying so, and a table of each recovered backend's share
   * against the oracle's.
   */
  public String table() {
    Optional<OracleComparison> oracle = oracle();
    StringBuilder b = new StringBuilder();
    b.append("| variant | requests | p50 ms | p99 ms | p99.9 ms | mean ms | errors % | attempts/req |");
    if (oracle.isPresent()) {
      b.append(" p99 ×oracle | p99.9 ×oracle | worst s p99 ×oracle | worst s p99.9 ×oracle |");
    }
    for (BackendSpec s : scenario.backends()) {
      b.append(' ').append(s.name()).append(" % |");
    }
    b.append('\n').append("|---|---:|---:|---:|---:|---:|---:|---:|");
    b.append("---:|".repeat(scenario.backends().size() + (oracle.isPresent() ? 4 : 0)))
        .append('\n');
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
      if (oracle.isPresent()) {
        OracleComparison.Ratios r = oracle.get().ratios(v);
        b.append(' ').append(times(r.p99())).append(" | ").append(times(r.p999()))
            .append(" | ").append(times(r.worstP99(), r.worstP99AtSeconds()))
            .append(" | ").append(times(r.worstP999(), r.worstP999AtSeconds())).append(" |");
      }
      for (int i = 0; i < scenario.backends().size(); i++) {
        b.append(' ').append(String.format(Locale.ROOT, "%.1f", v.sharePercent(i))).append(" |");
      }
      b.append('\n');
    }
    oracle.ifPresent(o -> oracleNotes(b, o));
    return b.toString();
  }

  private void oracleNotes(StringBuilder b, OracleComparison o) {
    b.append('\n').append("×oracle: the ratio to the ").append(o.oracle().name())
        .append(" variant's (one central queue, each request to the fastest free worker, told ")
        .append("the truth: docs/simulator.md). worst s: the worst one-second bucket after the ")
        .append("warm-up, leaving out the first second after each event (at ")
        .append(String.join(", ", o.eventSeconds().stream().map(SimResult::seconds).toList()))
        .append(" s), with the bucket's end.\n");
    if (o.recoveries().isEmpty()) {
      return;
    }
    b.append('\n').append("| variant | backend | recovered at s | compared s | share % | ")
        .append(o.oracle().name()).append(" share % | worst second gap, points |\n")
        .append("|---|---|---:|---|---:|---:|---:|\n");
    for (VariantResult v : variants) {
      for (OracleComparison.ShareGap g : o.shareGaps(v)) {
        OracleComparison.Recovery r = g.recovery();
        b.append("| ").append(v.name()).append(" | ").append(r.name())
            .append(" | ").append(seconds(r.atSeconds()))
            .append(" | ").append(seconds(r.atSeconds() + OracleComparison.RECOVERY_GRACE_SECONDS))
            .append("-").append(seconds(r.untilSeconds()))
            .append(" | ").append(percent(g.meanShare()))
            .append(" | ").append(percent(g.oracleMeanShare()))
            .append(" | ").append(percent(g.worstPoints()))
            .append(Double.isNaN(g.worstAtSeconds()) ? ""
                : " (at " + seconds(g.worstAtSeconds()) + " s)")
            .append(" |\n");
      }
    }
  }

  /**
   * The per-bucket series as CSV, one row per variant and bucket: latencies (ms), the ratios to
   * the oracle's (empty without an oracle or a figure), and each backend's share next to the
   * oracle's (percent).
   */
  public String seriesCsv() {
    Optional<OracleComparison> oracle = oracle();
    StringBuilder b = new StringBuilder("variant,end_s,completed,p99_ms,p999_ms,"
        + "p99_x_oracle,p999_x_oracle");
    for (BackendSpec s : scenario.backends()) {
      b.append(',').append(s.name()).append("_share,").append(s.name()).append("_oracle_share");
    }
    b.append('\n');
    for (VariantResult v : variants) {
      OracleComparison.Ratios r = oracle.map(o -> o.ratios(v)).orElse(null);
      for (int i = 0; i < v.series().size(); i++) {
        BucketPoint p = v.series().get(i);
        b.append('"').append(v.name().replace("\"", "\"\"")).append("\",")
            .append(seconds(p.endSeconds())).append(',').append(p.completed())
            .append(',').append(csv(p.p99Millis())).append(',').append(csv(p.p999Millis()))
            .append(',').append(csv(r == null || i >= r.p99PerBucket().length ? Double.NaN
                : r.p99PerBucket()[i]))
            .append(',').append(csv(r == null || i >= r.p999PerBucket().length ? Double.NaN
                : r.p999PerBucket()[i]));
        for (int k = 0; k < scenario.backends().size(); k++) {
          List<BucketPoint> os = oracle.map(o -> o.oracle().series()).orElse(List.of());
          b.append(',').append(csv(p.share()[k])).append(',')
              .append(csv(i < os.size() ? os.get(i).share()[k] : Double.NaN));
        }
        b.append('\n');
      }
    }
    return b.toString();
  }

  /** A one-line summary of the run's size and speed. */
  public String speed() {
    double seconds = wallNanos / 1e9;
    return String.format(Locale.ROOT, "%d requests simulated in %.2f s (%.0f requests/s)",
        requests, seconds, seconds == 0 ? 0.0 : requests / seconds);
  }

  private static String times(double ratio) {
    return Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.2f", ratio);
  }

  private static String times(double ratio, double atSeconds) {
    return Double.isNaN(ratio) ? "-" : times(ratio) + " (" + seconds(atSeconds) + " s)";
  }

  private static String seconds(double s) {
    return s == Math.rint(s) ? String.valueOf((long) s) : String.format(Locale.ROOT, "%.3f", s);
  }

  private static String percent(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String csv(double v) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.3f", v);
  }

  private static String ms(double v) {
    if (Double.isNaN(v)) {
      return "-";
    }
    return String.format(Locale.ROOT, v < 10 ? "%.2f" : v < 100 ? "%.1f" : "%.0f", v);
  }
}
