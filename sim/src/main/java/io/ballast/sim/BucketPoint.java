package io.ballast.sim;

/**
 * One point of a variant's time series: what happened during one bucket of virtual time. Arrays
 * are indexed like the scenario's backends. Immutable by convention (the arrays are not copied;
 * nobody writes them after the point is built).
 *
 * @param endSeconds the bucket's end, seconds since the start
 * @param completed requests that ended in the bucket
 * @param p50Millis median latency of the requests that ended in it (NaN when none did)
 * @param p99Millis 99th percentile
 * @param p999Millis 99.9th percentile
 * @param errorPercent share of the requests that ended in it that failed
 * @param share share of the attempts sent to each backend in the bucket, percent
 * @param weightShare each backend's effective weight as a share of the pool's total, percent, at
 *     the bucket's end (0 while out of the picker)
 * @param weightPercent each backend's weight percentage (100: as configured) at the bucket's end
 * @param shed requests load shedding refused in the bucket (answered 503 at once)
 * @param succeeded requests that ended in it without an error (the goodput)
 */
public record BucketPoint(double endSeconds, long completed, double p50Millis, double p99Millis,
    double p999Millis, double errorPercent, double[] share, double[] weightShare,
    int[] weightPercent, long shed, long succeeded) {}
