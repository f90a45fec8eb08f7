package io.ballast.core;

/** The only source of time in core. Thread-safe. */
@FunctionalInterface
public interface Ticker {
  Ticker SYSTEM = System::nanoTime;

  /** Monotonic nanoseconds from an arbitrary origin. */
  long nanos();
}
