package io.ballast.proxy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits of the shutdown path (requests to drain, tunnels to close): a short park in a loop keeps
 * them simple without touching the hot path, which only counts.
 */
public final class Waits {
  private Waits() {}

  /**
   * Waits until {@code done} holds (true) or {@code timeout} has passed (false); an interrupt
   * ends the wait early, keeps the flag and answers whether {@code done} holds then.
   */
  public static boolean until(BooleanSupplier done, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(5)));
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        return done.getAsBoolean();
      }
    }
    return true;
  }
}
