package io.ballast.bench.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import org.HdrHistogram.Histogram;

/**
 * Writes a scenario's results: a Markdown table (one row per balancer) and a per-second CSV per
 * balancer. Stateless; thread-safe.
 */
public final class Report {
    private Report() {}

    /** The Markdown section for one scenario. */
    public static String markdown(Scenario scenario, List<RunResult> runs) {
        StringBuilder md = new StringBuilder();
        md.append("### ").append(scenario.name()).append("\n\n");
        if (!scenario.description().isBlank()) {
            md.append(scenario.description().strip()).append("\n\n");
        }
        if (scenario.overload().isPresent()) {
            md.append("Rate in steps:");
            List<Overload.Step> steps = scenario.overload().get().steps();
            for (int i = 0; i < steps.size(); i++) {
                md.append(i == 0 ? " " : ", ").append(steps.get(i).rps()).append("/s from ")
                        .append(steps.get(i).at().toSeconds()).append(" s");
            }
            md.append(String.format(Locale.ROOT, "; %d s, %d backends.%n%n", scenario.duration().toSeconds(),
                    scenario.backends().size()));
        } else {
            md.append(String.format(Locale.ROOT, "%d req/s for %ds, %d backends, watched backend %s; fault at %s, recovery at %s.%n%n",
                    scenario.rate(), scenario.duration().toSeconds(), scenario.backends().size(), scenario.watch(),
                    scenario.faultAt().map(d -> d.toSeconds() + "s").orElse("–"),
                    scenario.recoveryAt().map(d -> d.toSeconds() + "s").orElse("–")));
        }
        md.append("| balancer | p50 ms | p99 ms | p99.9 ms | max ms | failed / sent | stop within | back within | bad share in fault | attempts/req (fault) |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (RunResult r : runs) {
            Histogram h = r.load().latency();
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %d / %d | %s | %s | %s | %s (%s) |%n",
                    r.balancer(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)),
                    ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()),
                    r.load().totalFailed(), r.load().totalSent(),
                    seconds(r.stop()), seconds(r.back()), pct(r.faultShare()),
                    ratio(r.attempts()), ratio(r.faultAttempts())));
        }
        scenario.overload().ifPresent(o -> md.append('\n').append(overload(o, runs)));
        oracleRun(runs).ifPresent(o -> md.append('\n').append(againstOracle(new OracleComparison(scenario, o), runs)));
        md.append('\n').append(shareOverTime(scenario, runs));
        for (RunResult r : runs) {
            md.append(String.format(Locale.ROOT, "- %s failures: %d non-2xx, %d timeouts, %d connect/I-O errors; share of the run:",
                    r.balancer(), r.load().non2xx(), r.load().timeouts(), r.load().ioErrors()));
            for (int i = 0; i < scenario.backends().size(); i++) {
                md.append(i == 0 ? " " : ", ").append(scenario.backends().get(i).name()).append(' ')
                        .append(pct(FailoverMetrics.share(r.received(), i, 0, r.load().sent().length)));
            }
            md.append('\n');
            for (String note : r.notes()) {
                md.append("- ").append(r.balancer()).append(": ").append(note).append('\n');
            }
        }
        return md.append('\n').toString();
    }

    /**
     * For an overload run, per step: offered and good (2xx) requests per second, the p99 of the
     * 2xx answers, the failed share; per class, what it lost; and how long after the last fall
     * of the rate failures went on (every second after it clean).
     */
    static String overload(Overload o, List<RunResult> runs) {
        StringBuilder md = new StringBuilder(
                "| balancer | step | offered req/s | goodput req/s | p99 of 2xx ms | failed |\n|---|---|---:|---:|---:|---:|\n");
        for (RunResult r : runs) {
            LoadResult l = r.load();
            int seconds = l.sent().length;
            for (int st = 0; st < o.steps().size(); st++) {
                int from = (int) o.steps().get(st).at().toSeconds();
                int to = st + 1 < o.steps().size() ? (int) o.steps().get(st + 1).at().toSeconds() : seconds;
                to = Math.min(to, seconds);
                if (from >= to) {
                    continue;
                }
                long sent = 0;
                long ok = 0;
                long failed = 0;
                Histogram accepted = new Histogram(l.acceptedPerSecond()[from].getHighestTrackableValue(), 2);
                for (int sec = from; sec < to; sec++) {
                    sent += l.sent()[sec];
                    ok += l.ok()[sec];
                    failed += l.failed()[sec];
                    accepted.add(l.acceptedPerSecond()[sec]);
                }
                md.append(String.format(Locale.ROOT, "| %s | %d–%d s at %d/s | %.0f | %.0f | %s | %s |%n",
                        r.balancer(), from, to, o.steps().get(st).rps(), (double) sent / (to - from),
                        (double) ok / (to - from), accepted.getTotalCount() == 0 ? "–"
                                : ms(accepted.getValueAtPercentile(99)),
                        pct(sent == 0 ? Double.NaN : (double) failed / sent)));
            }
        }
        md.append('\n');
        for (RunResult r : runs) {
            LoadResult l = r.load();
            md.append("- ").append(r.balancer()).append(" by class:");
            for (int c = 0; c < Overload.CLASSES.size(); c++) {
                long sent = l.sentByClass()[c];
                md.append(c == 0 ? " " : ", ").append(Overload.CLASSES.get(c)).append(' ')
                        .append(sent - l.okByClass()[c]).append(" failed of ").append(sent);
            }
            int fall = (int) o.steps().get(o.steps().size() - 1).at().toSeconds();
            int clean = l.failed().length;
            while (clean > fall && l.failed()[clean - 1] == 0) {
                clean--;
            }
            md.append(clean >= l.failed().length
                    ? "; failures went on to the end of the run after the last step"
                    : "; clean from " + (clean - fall) + " s after the last step on").append('\n');
        }
        return md.toString();
    }

    /**
     * A p99 ratio below this means the oracle itself did badly (it cannot be beaten by much when
     * it works: it pays only a hop), and the report says so.
     */
    static final double UNDER_ORACLE = 0.5;

    /** The oracle's run among {@code runs}, if it ran. */
    static java.util.Optional<RunResult> oracleRun(List<RunResult> runs) {
        return runs.stream().filter(r -> r.balancer().equals(Balancer.ORACLE)).findFirst();
    }

    /**
     * Each run's p99 and p99.9 as ratios to the oracle's, overall and in the worst settled second,
     * and each recovered backend's share against the oracle's ({@link OracleComparison}).
     */
    static String againstOracle(OracleComparison c, List<RunResult> runs) {
        StringBuilder md = new StringBuilder("Against the oracle of the same run (events at");
        List<Double> events = c.eventSeconds();
        for (int i = 0; i < events.size(); i++) {
            md.append(i == 0 ? " " : ", ").append(plain(events.get(i)));
        }
        md.append(" s; the worst second leaves out each second that overlaps the first second after one):\n\n")
                .append("| balancer | p99 ×oracle | p99.9 ×oracle | worst s p99 ×oracle | worst s p99.9 ×oracle |\n")
                .append("|---|---:|---:|---:|---:|\n");
        boolean beaten = false;
        for (RunResult r : runs) {
            OracleComparison.Ratios x = c.ratios(r);
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", r.balancer(), times(x.p99()),
                    times(x.p999()), timesAt(x.worstP99(), x.worstP99Second()),
                    timesAt(x.worstP999(), x.worstP999Second())));
            beaten |= x.p99() < UNDER_ORACLE;
        }
        if (beaten) {
            md.append("\n**A balancer's p99 is under ").append(UNDER_ORACLE)
                    .append("× the oracle's: the oracle was no yardstick in this run.** Its workers idle for each round"
                            + " trip to a backend, which a busy CPU stretches (docs/benchmarks.md, \"The oracle\").\n");
        }
        if (!c.recoveries().isEmpty()) {
            md.append("\nA recovered backend's share of the requests against the oracle's, from ")
                    .append(OracleComparison.RECOVERY_GRACE_SECONDS)
                    .append(" s after it recovers to its next event:\n\n")
                    .append("| balancer | backend | recovered at | seconds | share | oracle's | worst s gap (points) |\n")
                    .append("|---|---|---:|---:|---:|---:|---:|\n");
            for (RunResult r : runs) {
                for (OracleComparison.ShareGap g : c.shareGaps(r)) {
                    OracleComparison.Recovery rec = g.recovery();
                    md.append(String.format(Locale.ROOT, "| %s | %s | %s s | %d–%d s | %s | %s | %s |%n",
                            r.balancer(), rec.name(), plain(rec.atSeconds()), rec.fromSecond(), rec.untilSecond(),
                            pct(g.meanShare()), pct(g.oracleMeanShare()), Double.isNaN(g.worstGap()) ? "–"
                                    : String.format(Locale.ROOT, "%.1f (%s)", g.worstGap() * 100, second(g.worstSecond()))));
                }
            }
        }
        return md.toString();
    }

    /**
     * The per-second CSV against the oracle: for each balancer and second, both sides' p99 and
     * p99.9, their ratios, whether the second counts in the worst-second figures, and each
     * backend's share next to the oracle's.
     */
    public static void oracleCsv(Scenario scenario, List<RunResult> runs, Path file) throws IOException {
        RunResult o = oracleRun(runs).orElseThrow(() -> new IllegalArgumentException("runs: no oracle run"));
        OracleComparison c = new OracleComparison(scenario, o);
        StringBuilder csv = new StringBuilder(
                "balancer,second,settled,p99_ms,p999_ms,oracle_p99_ms,oracle_p999_ms,p99_x_oracle,p999_x_oracle");
        for (Scenario.BackendSpec b : scenario.backends()) {
            csv.append(",share_").append(b.name()).append(",oracle_share_").append(b.name());
        }
        csv.append('\n');
        for (RunResult r : runs) {
            OracleComparison.Ratios x = c.ratios(r);
            for (int s = 0; s < x.p99PerSecond().length; s++) {
                Histogram mine = r.load().perSecond()[s];
                Histogram ref = o.load().perSecond()[s];
                csv.append(String.format(Locale.ROOT, "%s,%d,%b,%s,%s,%s,%s,%s,%s", r.balancer(), s, c.settled(s),
                        percentileMs(mine, 99), percentileMs(mine, 99.9), percentileMs(ref, 99), percentileMs(ref, 99.9),
                        csvRatio(x.p99PerSecond()[s]), csvRatio(x.p999PerSecond()[s])));
                for (int b = 0; b < scenario.backends().size(); b++) {
                    csv.append(',').append(csvRatio(OracleComparison.share(r.received(), b, s)))
                            .append(',').append(csvRatio(OracleComparison.share(o.received(), b, s)));
                }
                csv.append('\n');
            }
        }
        Files.writeString(file, csv);
    }

    private static String percentileMs(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? "" : ms(h.getValueAtPercentile(percentile));
    }

    private static String csvRatio(double r) {
        return Double.isNaN(r) ? "" : String.format(Locale.ROOT, "%.3f", r);
    }

    static String times(double r) {
        return Double.isNaN(r) ? "–" : String.format(Locale.ROOT, "%.2f", r);
    }

    private static String timesAt(double r, int second) {
        return Double.isNaN(r) ? "–" : times(r) + " (" + second(second) + ")";
    }

    /** Seconds to the millisecond without trailing zeros: 15, 15.5. */
    static String plain(double seconds) {
        return java.math.BigDecimal.valueOf(Math.round(seconds * 1000), 3).stripTrailingZeros().toPlainString();
    }

    /** Second {@code s} of the run as the span it covers: "16–17 s". */
    static String second(int s) {
        return s + "–" + (s + 1) + " s";
    }

    /** Seconds per column of the share-over-time table. */
    static final int SHARE_WINDOW = 5;

    /** The watched backend's share of received requests in each {@link #SHARE_WINDOW}-second window. */
    static String shareOverTime(Scenario scenario, List<RunResult> runs) {
        if (runs.isEmpty()) {
            return "";
        }
        int seconds = runs.get(0).load().sent().length;
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
                "Share of %s's received requests over time (fair: %.0f%%):%n%n| balancer |",
                scenario.watch(), 100.0 / scenario.backends().size()));
        StringBuilder rule = new StringBuilder("|---|");
        for (int from = 0; from < seconds; from += SHARE_WINDOW) {
            md.append(' ').append(from).append('–').append(Math.min(seconds, from + SHARE_WINDOW)).append(" s |");
            rule.append("---:|");
        }
        md.append('\n').append(rule).append('\n');
        for (RunResult r : runs) {
            md.append("| ").append(r.balancer()).append(" |");
            for (int from = 0; from < seconds; from += SHARE_WINDOW) {
                double share = FailoverMetrics.share(r.received(), scenario.watchIndex(), from, from + SHARE_WINDOW);
                md.append(' ').append(Double.isNaN(share) ? "–" : String.format(Locale.ROOT, "%.0f%%", share * 100)).append(" |");
            }
            md.append('\n');
        }
        return md.append('\n').toString();
    }

    /** Writes the per-second CSV of one run. */
    public static void csv(Scenario scenario, RunResult r, Path file) throws IOException {
        StringBuilder csv = new StringBuilder("second,sent,ok,failed,p50_ms,p99_ms,max_ms,ok_p99_ms");
        for (Scenario.BackendSpec b : scenario.backends()) {
            csv.append(",recv_").append(b.name());
        }
        for (Scenario.BackendSpec b : scenario.backends()) {
            csv.append(",share_").append(b.name());
        }
        for (Scenario.BackendSpec b : scenario.backends()) {
            csv.append(",err503_").append(b.name());
        }
        csv.append('\n');
        LoadResult l = r.load();
        for (int s = 0; s < l.sent().length; s++) {
            Histogram h = l.perSecond()[s];
            Histogram accepted = l.acceptedPerSecond()[s];
            csv.append(String.format(Locale.ROOT, "%d,%d,%d,%d,%s,%s,%s,%s", s, l.sent()[s], l.ok()[s], l.failed()[s],
                    ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)), ms(h.getMaxValue()),
                    accepted.getTotalCount() == 0 ? "" : ms(accepted.getValueAtPercentile(99))));
            long total = 0;
            for (int[] b : r.received()) {
                total += b[s];
            }
            for (int[] b : r.received()) {
                csv.append(',').append(b[s]);
            }
            for (int[] b : r.received()) {
                csv.append(',').append(total == 0 ? "" : String.format(Locale.ROOT, "%.3f", (double) b[s] / total));
            }
            for (int[] e : r.errors()) {
                csv.append(',').append(e[s]);
            }
            csv.append('\n');
        }
        Files.writeString(file, csv);
    }

    static String ms(long micros) {
        return String.format(Locale.ROOT, micros >= 100_000 ? "%.0f" : "%.1f", micros / 1000.0);
    }

    static String seconds(OptionalInt s) {
        return s.isPresent() ? s.getAsInt() + " s" : "never";
    }

    static String pct(double share) {
        return Double.isNaN(share) ? "–" : String.format(Locale.ROOT, "%.1f%%", share * 100);
    }

    static String ratio(double r) {
        return Double.isNaN(r) ? "–" : String.format(Locale.ROOT, "%.3f", r);
    }
}
