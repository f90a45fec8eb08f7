package io.ballast.bench.scenario;

import org.HdrHistogram.Histogram;

/**
 * What one open-loop run measured. Latencies are from each request's intended send time to its
 * completion, in microseconds; failed requests are in the histograms too (a timeout at its full
 * length). Not modified after {@link LoadGenerator#run} returns it; safe to read from any thread
 * then.
 *
 * @param latency        every request of the run
 * @param perSecond      one histogram per second of intended send time
 * @param sent           requests per second of intended send time
 * @param ok             2xx answers, by intended second
 * @param failed         failures (non-2xx, connect errors, timeouts), by intended second
 * @param non2xx         failures that were an HTTP answer other than 2xx
 * @param timeouts       failures that were a client timeout
 * @param ioErrors       failures that were a connect or I/O error
 * @param maxLagMicros   the most the sender ever fell behind an intended send time
 * @param acceptedPerSecond the latencies of the 2xx answers only, by intended second
 * @param sentByClass    answered or failed requests by class ({@link Overload#CLASSES}; all
 *                       default without an overload mix); unanswered ones are not counted
 * @param okByClass      2xx answers by class
 */
public record LoadResult(
        Histogram latency,
        Histogram[] perSecond,
        int[] sent,
        int[] ok,
        int[] failed,
        long non2xx,
        long timeouts,
        long ioErrors,
        long maxLagMicros,
        Histogram[] acceptedPerSecond,
        long[] sentByClass,
        long[] okByClass) {

    /** A result without the per-class and accepted-only figures (as before overload runs). */
    public LoadResult(Histogram latency, Histogram[] perSecond, int[] sent, int[] ok, int[] failed, long non2xx,
            long timeouts, long ioErrors, long maxLagMicros) {
        this(latency, perSecond, sent, ok, failed, non2xx, timeouts, ioErrors, maxLagMicros, perSecond,
                new long[3], new long[3]);
    }

    public long totalSent() {
        return sum(sent);
    }

    public long totalFailed() {
        return sum(failed);
    }

    static long sum(int[] values) {
        long s = 0;
        for (int v : values) {
            s += v;
        }
        return s;
    }
}
