package io.ballast.bench.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.HdrHistogram.Histogram;

/**
 * Every balancer of a scenario run held against the oracle of the same run ({@link OracleProxy}),
 * with the definitions of the simulator's {@code io.ballast.sim.OracleComparison}: p99 and p99.9
 * as a ratio to the oracle's over the measured run and per second, the worst second that does not
 * overlap the first second of an event, and each recovered backend's share of the requests the
 * backends received next to the oracle's from {@value #RECOVERY_GRACE_SECONDS} s after it
 * recovers. The targets read straight off them: "p99 within 1.05× the oracle's", "no second above
 * 3× after the first second of an event", "a recovered backend's share within 3 points of the
 * oracle's from 2 s after it recovers".
 *
 * <p>Seconds are the runner's: second {@code s} is [s, s + 1) after the start of the measured run,
 * its latencies those of the requests whose intended send time falls in it (failures included, a
 * timeout at its full length), its shares those of the requests the backends received in it.
 * Events: the start of the run, every timeline action and every rate step. Second {@code s} counts
 * in the worst-second figures unless [s, s + 1) overlaps [e, e + 1 s) for an event {@code e}; an
 * event at a whole second leaves out that second only. Recoveries: an action that brings a backend
 * back toward its specification (revive, health-ok, normal, a slow-down of 1 or less, an error
 * rate at or below the backend's own); compared from 2 s after it to the backend's next action (or
 * the end), over whole seconds only.
 *
 * <p>Immutable; thread-safe.
 */
public final class OracleComparison {
    static final long SETTLE_NANOS = 1_000_000_000L;
    static final int RECOVERY_GRACE_SECONDS = 2;

    private final RunResult oracle;
    private final long[] events;
    private final List<Recovery> recoveries;

    /** The comparison with {@code oracle}, a run of {@code scenario}. */
    public OracleComparison(Scenario scenario, RunResult oracle) {
        this.oracle = oracle;
        long end = scenario.duration().toNanos();
        TreeSet<Long> at = new TreeSet<>();
        at.add(0L);
        scenario.overload().ifPresent(o -> o.steps().forEach(s -> at.add(s.at().toNanos())));
        List<Recovery> rs = new ArrayList<>();
        List<Action> timeline = scenario.timeline();
        for (int k = 0; k < timeline.size(); k++) {
            Action a = timeline.get(k);
            at.add(a.at().toNanos());
            int b = scenario.indexOf(a.backend());
            if (recovers(scenario.backends().get(b), a)) {
                long until = end;
                for (int n = k + 1; n < timeline.size(); n++) {
                    if (timeline.get(n).backend().equals(a.backend())) {
                        until = timeline.get(n).at().toNanos();
                        break;
                    }
                }
                // Whole seconds from 2 s after the recovery to the next action. A recovery the
                // next action undoes within that grace (a cold backend revived slow) has none.
                int from = (int) Math.ceil((a.at().toNanos() + RECOVERY_GRACE_SECONDS * 1e9) / 1e9);
                int untilSecond = (int) (until / 1_000_000_000L);
                if (untilSecond > from) {
                    rs.add(new Recovery(b, a.backend(), a.at().toMillis() / 1000.0, from, untilSecond));
                }
            }
        }
        this.events = at.stream().filter(e -> e < end).mapToLong(Long::longValue).toArray();
        this.recoveries = List.copyOf(rs);
    }

    public RunResult oracle() {
        return oracle;
    }

    /** The recoveries of the scenario's backends, in time order. */
    public List<Recovery> recoveries() {
        return recoveries;
    }

    /** The events, in seconds from the start of the measured run (0 included). */
    public List<Double> eventSeconds() {
        List<Double> s = new ArrayList<>();
        for (long e : events) {
            s.add(e / 1e9);
        }
        return s;
    }

    /** Whether second {@code s} counts in the worst-second figures. */
    public boolean settled(int s) {
        long start = s * 1_000_000_000L;
        long end = start + 1_000_000_000L;
        for (long e : events) {
            if (start < e + SETTLE_NANOS && end > e) {
                return false;
            }
        }
        return true;
    }

    /** {@code run}'s tail latencies as ratios to the oracle's. */
    public Ratios ratios(RunResult run) {
        Histogram[] mine = run.load().perSecond();
        Histogram[] ref = oracle.load().perSecond();
        int n = Math.min(mine.length, ref.length);
        double[] p99 = new double[n];
        double[] p999 = new double[n];
        int worst99At = -1;
        int worst999At = -1;
        for (int s = 0; s < n; s++) {
            p99[s] = ratio(mine[s], ref[s], 99);
            p999[s] = ratio(mine[s], ref[s], 99.9);
            if (!settled(s)) {
                continue;
            }
            // NaN never wins: "not <= worst" holds for none yet and for a larger ratio.
            if (!Double.isNaN(p99[s]) && (worst99At < 0 || !(p99[s] <= p99[worst99At]))) {
                worst99At = s;
            }
            if (!Double.isNaN(p999[s]) && (worst999At < 0 || !(p999[s] <= p999[worst999At]))) {
                worst999At = s;
            }
        }
        return new Ratios(ratio(run.load().latency(), oracle.load().latency(), 99),
                ratio(run.load().latency(), oracle.load().latency(), 99.9), p99, p999,
                worst99At < 0 ? Double.NaN : p99[worst99At], worst99At,
                worst999At < 0 ? Double.NaN : p999[worst999At], worst999At);
    }

    /** {@code run}'s share of each recovered backend against the oracle's, per recovery. */
    public List<ShareGap> shareGaps(RunResult run) {
        List<ShareGap> gaps = new ArrayList<>();
        for (Recovery r : recoveries) {
            double worst = Double.NaN;
            int worstAt = -1;
            double sum = 0;
            double oracleSum = 0;
            int seconds = 0;
            for (int s = r.fromSecond(); s < r.untilSecond(); s++) {
                double mine = share(run.received(), r.backend(), s);
                double ref = share(oracle.received(), r.backend(), s);
                if (Double.isNaN(mine) || Double.isNaN(ref)) {
                    continue;
                }
                double gap = Math.abs(mine - ref);
                if (!(gap <= worst)) {
                    worst = gap;
                    worstAt = s;
                }
                sum += mine;
                oracleSum += ref;
                seconds++;
            }
            gaps.add(new ShareGap(r, seconds == 0 ? Double.NaN : sum / seconds,
                    seconds == 0 ? Double.NaN : oracleSum / seconds, worst, worstAt, seconds));
        }
        return gaps;
    }

    /** {@code backend}'s share of what all backends received in second {@code s}; NaN if none or past the end. */
    public static double share(int[][] received, int backend, int s) {
        if (s < 0 || s >= received[backend].length) {
            return Double.NaN;
        }
        long all = 0;
        for (int[] b : received) {
            all += s < b.length ? b[s] : 0;
        }
        return all == 0 ? Double.NaN : (double) received[backend][s] / all;
    }

    /** The {@code percentile} of {@code value} over that of {@code reference}; NaN if either is empty or the reference 0. */
    static double ratio(Histogram value, Histogram reference, double percentile) {
        if (value.getTotalCount() == 0 || reference.getTotalCount() == 0) {
            return Double.NaN;
        }
        long ref = reference.getValueAtPercentile(percentile);
        return ref <= 0 ? Double.NaN : (double) value.getValueAtPercentile(percentile) / ref;
    }

    static boolean recovers(Scenario.BackendSpec spec, Action a) {
        return switch (a.kind()) {
            case REVIVE, HEALTH_OK, NORMAL -> true;
            case SLOW -> a.value() <= 1;
            case ERRORS -> a.value() <= spec.errorRate();
            default -> false;
        };
    }

    /**
     * A balancer's p99 and p99.9 over the oracle's: over the measured run, per second, and the
     * worst settled second with its index (-1 and NaN when no second counts).
     */
    public record Ratios(double p99, double p999, double[] p99PerSecond, double[] p999PerSecond,
            double worstP99, int worstP99Second, double worstP999, int worstP999Second) {}

    /**
     * Backend {@code backend} recovering at {@code atSeconds}; its shares are compared over
     * seconds [fromSecond, untilSecond).
     */
    public record Recovery(int backend, String name, double atSeconds, int fromSecond, int untilSecond) {}

    /**
     * A balancer's share of a recovered backend's requests against the oracle's over the compared
     * seconds: the means (0..1), the worst second's absolute difference (0..1) and that second
     * (-1 and NaN when no second was compared).
     */
    public record ShareGap(Recovery recovery, double meanShare, double oracleMeanShare, double worstGap,
            int worstSecond, int seconds) {}
}
