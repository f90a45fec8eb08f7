package io.ballast.bench.scenario;

import java.util.OptionalInt;

/**
 * The failover figures computed from per-second series: how soon a faulty backend stops getting
 * traffic, how soon a recovered one carries its share again, its share during the fault, and how
 * many times requests reach a backend. Pure functions; thread-safe.
 */
public final class FailoverMetrics {
    /** A backend at or below this share of what all backends received is "no longer sent traffic". */
    public static final double STOPPED_SHARE = 0.02;
    /** A backend at or above this fraction of its fair share (1/N) is "back". */
    public static final double RETURNED_OF_FAIR = 0.8;

    private FailoverMetrics() {}

    /**
     * Seconds from the fault until the end of the first whole second, at or after the fault's
     * second, in which {@code backend} received at most {@link #STOPPED_SHARE} of the requests all
     * backends received (seconds in which no backend received anything are skipped). So 1 means
     * "from the very first second". Empty if it never happens before {@code untilSecond}.
     */
    public static OptionalInt secondsToStop(int[][] received, int backend, int faultSecond, int untilSecond) {
        for (int s = faultSecond; s < Math.min(untilSecond, length(received)); s++) {
            long total = total(received, s);
            if (total > 0 && received[backend][s] <= STOPPED_SHARE * total) {
                return OptionalInt.of(s - faultSecond + 1);
            }
        }
        return OptionalInt.empty();
    }

    /**
     * Seconds from the recovery until the end of the first whole second, at or after the
     * recovery's second, in which {@code backend} received at least {@link #RETURNED_OF_FAIR} of
     * its fair share. Empty if it never happens.
     */
    public static OptionalInt secondsToReturn(int[][] received, int backend, int recoverySecond) {
        double fair = 1.0 / received.length;
        for (int s = recoverySecond; s < length(received); s++) {
            long total = total(received, s);
            if (total > 0 && received[backend][s] >= RETURNED_OF_FAIR * fair * total) {
                return OptionalInt.of(s - recoverySecond + 1);
            }
        }
        return OptionalInt.empty();
    }

    /** Share of all received requests that went to {@code backend} in seconds [from, to); NaN if none. */
    public static double share(int[][] received, int backend, int from, int to) {
        long mine = 0;
        long all = 0;
        for (int s = from; s < Math.min(to, length(received)); s++) {
            mine += received[backend][s];
            all += total(received, s);
        }
        return all == 0 ? Double.NaN : (double) mine / all;
    }

    /**
     * Requests the backends received per request the client sent, over seconds [from, to): 1.0
     * means every request reached a backend once; retries push it up; requests no backend saw
     * (refused connections are not counted by a closed backend) pull it down.
     */
    public static double attemptsPerRequest(int[][] received, int[] sent, int from, int to) {
        long got = 0;
        long asked = 0;
        for (int s = from; s < Math.min(to, Math.min(length(received), sent.length)); s++) {
            got += total(received, s);
            asked += sent[s];
        }
        return asked == 0 ? Double.NaN : (double) got / asked;
    }

    private static long total(int[][] received, int second) {
        long t = 0;
        for (int[] backend : received) {
            t += backend[second];
        }
        return t;
    }

    private static int length(int[][] received) {
        int n = Integer.MAX_VALUE;
        for (int[] backend : received) {
            n = Math.min(n, backend.length);
        }
        return received.length == 0 ? 0 : n;
    }
}
