package io.ballast.bench.scenario;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts events per whole second since an epoch set by the runner, plus a running total that also
 * covers events before the epoch (warm-up). Lock-free; any thread may count and read.
 */
public final class PerSecondCounter {
    /** Longest series kept; longer scenarios are refused by {@link Scenario}. */
    static final int MAX_SECONDS = 601;

    private final AtomicIntegerArray perSecond = new AtomicIntegerArray(MAX_SECONDS);
    private final AtomicLong total = new AtomicLong();
    private volatile long epochNanos = Long.MAX_VALUE;

    /** Starts the series: second 0 begins at {@code epochNanos} ({@link System#nanoTime()} scale). */
    public void startClock(long epochNanos) {
        for (int i = 0; i < MAX_SECONDS; i++) {
            perSecond.set(i, 0);
        }
        this.epochNanos = epochNanos;
    }

    /** Counts one event happening now. */
    public void increment() {
        total.incrementAndGet();
        long epoch = epochNanos;
        long now = System.nanoTime();
        if (now >= epoch) {
            long second = (now - epoch) / 1_000_000_000L;
            if (second < MAX_SECONDS) {
                perSecond.incrementAndGet((int) second);
            }
        }
    }

    /** Events in each of the first {@code seconds} seconds. */
    public int[] series(int seconds) {
        int[] out = new int[Math.min(seconds, MAX_SECONDS)];
        for (int i = 0; i < out.length; i++) {
            out[i] = perSecond.get(i);
        }
        return out;
    }

    /** Every event counted so far, epoch or not. */
    public long total() {
        return total.get();
    }
}
