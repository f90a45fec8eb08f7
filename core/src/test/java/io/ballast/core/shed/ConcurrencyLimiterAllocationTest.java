package io.ballast.core.shed;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** An admission, its release and a refusal allocate nothing (the request path's contract). */
class ConcurrencyLimiterAllocationTest {
  @Test
  void admitReleaseAndRefuseAllocateNothing() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    ConcurrencyLimiter open = new ConcurrencyLimiter("api", 1000);
    ConcurrencyLimiter full = new ConcurrencyLimiter("full", 2);
    full.tryAcquire(Priority.CRITICAL);
    run(open, full, 200_000); // warm up: the JIT, and the lambda of the peak's update
    long tid = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(tid);
    run(open, full, 1_000_000);
    long allocated = threads.getThreadAllocatedBytes(tid) - before;
    // A million of each: even one object per call would be 16 MB. Allow the measurement's own few
    // hundred bytes.
    assertThat(allocated).isLessThan(4096);
  }

  private static void run(ConcurrencyLimiter open, ConcurrencyLimiter full, int n) {
    for (int i = 0; i < n; i++) {
      if (open.tryAcquire(Priority.DEFAULT)) {
        open.release(1_000 + i);
      }
      full.tryAcquire(Priority.SHEDDABLE);
    }
  }
}
