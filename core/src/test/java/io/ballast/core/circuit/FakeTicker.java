package io.ballast.core.circuit;

import io.ballast.core.Ticker;
import java.time.Duration;

/** A ticker tests move by hand. Single test thread (reads from other threads see a volatile). */
final class FakeTicker implements Ticker {
  private volatile long nanos;

  FakeTicker(long startNanos) {
    this.nanos = startNanos;
  }

  @Override
  public long nanos() {
    return nanos;
  }

  void advance(Duration d) {
    nanos += d.toNanos();
  }

  void advanceNanos(long n) {
    nanos += n;
  }
}
