package io.ballast.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
  @Test
  void bucketsAreContiguousAndAtMostAnEighthWide() {
    assertThat(LatencyHistogram.lowerBound(0)).isZero();
    for (int i = 1; i < LatencyHistogram.BUCKETS; i++) {
      long lo = LatencyHistogram.lowerBound(i);
      assertThat(LatencyHistogram.bucket(lo)).isEqualTo(i);
      assertThat(LatencyHistogram.bucket(lo - 1)).isEqualTo(i - 1);
      if (i > 8) {
        long width = lo - LatencyHistogram.lowerBound(i - 1);
        assertThat((double) width / LatencyHistogram.lowerBound(i - 1)).isLessThanOrEqualTo(0.125);
      }
    }
    // The worked example of the javadoc: 3 ms is bucket 75, from 2.88 ms.
    assertThat(LatencyHistogram.bucket(3_000_000)).isEqualTo(75);
    assertThat(LatencyHistogram.lowerBound(75)).isEqualTo(2816L << 10);
    // About a minute still has its own bucket; ten minutes land in the last one.
    assertThat(LatencyHistogram.bucket(60_000_000_000L)).isLessThan(LatencyHistogram.BUCKETS - 1);
    assertThat(LatencyHistogram.bucket(600_000_000_000L)).isEqualTo(LatencyHistogram.BUCKETS - 1);
    assertThat(LatencyHistogram.bucket(-5)).isZero();
  }

  @Test
  void quantilesAreWithinTheBucketPrecision() {
    LatencyHistogram h = new LatencyHistogram();
    Random random = new Random(3);
    long[] values = new long[10_000];
    for (int i = 0; i < values.length; i++) {
      values[i] = (long) (1e6 * Math.exp(random.nextGaussian()));
      h.record(values[i]);
    }
    java.util.Arrays.sort(values);
    long[] counts = h.copyInto(new long[LatencyHistogram.BUCKETS]);
    for (double q : new double[] {0.5, 0.9, 0.99}) {
      double exact = values[(int) Math.ceil(q * values.length) - 1];
      assertThat((double) LatencyHistogram.quantile(counts, values.length, q))
          .isCloseTo(exact, within(exact * 0.07));
    }
    assertThat(LatencyHistogram.quantile(new long[LatencyHistogram.BUCKETS], 0, 0.99)).isZero();
  }
}
