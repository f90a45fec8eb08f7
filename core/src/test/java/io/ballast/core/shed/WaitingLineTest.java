package io.ballast.core.shed;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.shed.WaitingLine.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WaitingLineTest {
  private final List<String> granted = new ArrayList<>();

  private final class Named extends WaitingLine.Waiter {
    final String name;

    Named(String name, Priority p) {
      super(p);
      this.name = name;
    }

    @Override
    protected void granted() {
      granted.add(name);
    }
  }

  @Test
  void aFreedPlaceGoesToTheHighestClassFirstThenInArrivalOrder() {
    // Limit 4: critical below 4, default below 3, sheddable below 2.
    ConcurrencyLimiter limiter = new ConcurrencyLimiter("api", 4);
    WaitingLine line = new WaitingLine(limiter, 10);
    for (int i = 0; i < 4; i++) {
      assertThat(line.admitOrWait(new Named("c" + i, Priority.CRITICAL)))
          .isEqualTo(Outcome.ADMITTED);
    }
    assertThat(line.admitOrWait(new Named("s1", Priority.SHEDDABLE))).isEqualTo(Outcome.WAITING);
    assertThat(line.admitOrWait(new Named("d1", Priority.DEFAULT))).isEqualTo(Outcome.WAITING);
    assertThat(line.admitOrWait(new Named("d2", Priority.DEFAULT))).isEqualTo(Outcome.WAITING);
    assertThat(line.admitOrWait(new Named("k1", Priority.CRITICAL))).isEqualTo(Outcome.WAITING);
    assertThat(line.waiting()).isEqualTo(4);
    assertThat(limiter.queued()).isEqualTo(4);
    assertThat(limiter.refused()).isZero();

    line.release(1_000_000); // 3 in flight: the critical waiter fits below 4
    assertThat(granted).containsExactly("k1");
    line.release(1_000_000); // 3 again: the default ones need fewer than 3
    assertThat(granted).containsExactly("k1");
    line.release(1_000_000); // 2: d1
    assertThat(granted).containsExactly("k1", "d1");
    line.release(1_000_000); // 2: d2
    assertThat(granted).containsExactly("k1", "d1", "d2");
    line.release(1_000_000); // 2: sheddable needs fewer than 2
    assertThat(granted).hasSize(3);
    line.release(1_000_000); // 1: s1
    assertThat(granted).containsExactly("k1", "d1", "d2", "s1");
    assertThat(limiter.inFlight()).isEqualTo(2);
    assertThat(line.waiting()).isZero();
  }

  @Test
  void aNewcomerWaitsBehindThoseAlreadyWaiting() {
    ConcurrencyLimiter limiter = new ConcurrencyLimiter("api", 2);
    WaitingLine line = new WaitingLine(limiter, 10);
    line.admitOrWait(new Named("a", Priority.CRITICAL));
    line.admitOrWait(new Named("b", Priority.CRITICAL));
    assertThat(line.admitOrWait(new Named("w", Priority.CRITICAL))).isEqualTo(Outcome.WAITING);
    // A place frees through the limiter itself (no dispatch): a newcomer still queues behind w,
    // and its own look at the line hands the place to w.
    limiter.release(1);
    assertThat(line.admitOrWait(new Named("n", Priority.CRITICAL))).isEqualTo(Outcome.WAITING);
    assertThat(granted).containsExactly("w");
  }

  /** A line of 2 on a limit of 1, its place held by one request. */
  private WaitingLine heldByOne() {
    WaitingLine line = new WaitingLine(new ConcurrencyLimiter("api", 1), 2);
    assertThat(line.admitOrWait(new Named("a", Priority.DEFAULT))).isEqualTo(Outcome.ADMITTED);
    return line;
  }

  @Test
  void aFullLineRefusesAndADeadlineCancelsOnce() {
    WaitingLine line = heldByOne();
    ConcurrencyLimiter limiter = line.limiter();
    Named w1 = new Named("w1", Priority.DEFAULT);
    Named w2 = new Named("w2", Priority.SHEDDABLE);
    assertThat(line.admitOrWait(w1)).isEqualTo(Outcome.WAITING);
    assertThat(line.admitOrWait(w2)).isEqualTo(Outcome.WAITING);
    assertThat(line.admitOrWait(new Named("x", Priority.DEFAULT))).isEqualTo(Outcome.REFUSED);
    assertThat(limiter.refused(Priority.DEFAULT)).isEqualTo(1);

    assertThat(line.cancel(w1, true)).isTrue();
    assertThat(line.cancel(w1, true)).isFalse();
    assertThat(limiter.refused(Priority.DEFAULT)).isEqualTo(2);
    assertThat(line.waiting()).isEqualTo(1);
    line.release(1);
    assertThat(granted).containsExactly("w2");
    // Granted first: a late deadline cannot cancel it; it holds the place.
    assertThat(line.cancel(w2, true)).isFalse();
    assertThat(limiter.inFlight()).isEqualTo(1);
    assertThat(limiter.refused(Priority.SHEDDABLE)).isZero();
  }

  @Test
  void aRequestThatLeavesWithoutADeadlineIsNotCountedRefused() {
    WaitingLine line = heldByOne();
    ConcurrencyLimiter limiter = line.limiter();
    Named w = new Named("w", Priority.DEFAULT);
    line.admitOrWait(w);
    assertThat(line.cancel(w, false)).isTrue();
    assertThat(limiter.refused()).isZero();
    line.release(1);
    assertThat(granted).isEmpty();
    assertThat(limiter.inFlight()).isZero();
  }

  @Test
  void placesAreNeitherLostNorMadeUnderContention() throws Exception {
    // 4 threads admit, wait, cancel and release at random against a limit of 8: at the end every
    // place is back and every waiter was granted or cancelled exactly once.
    ConcurrencyLimiter limiter = new ConcurrencyLimiter("api", 8);
    WaitingLine line = new WaitingLine(limiter, 1000);
    AtomicInteger grants = new AtomicInteger();
    AtomicInteger outstanding = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch done = new CountDownLatch(4);
    for (int t = 0; t < 4; t++) {
      int seed = t;
      pool.execute(() -> {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        List<WaitingLine.Waiter> mine = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
          WaitingLine.Waiter w = new WaitingLine.Waiter(Priority.values()[r.nextInt(3)]) {
            @Override
            protected void granted() {
              grants.incrementAndGet();
              outstanding.incrementAndGet();
            }
          };
          switch (line.admitOrWait(w)) {
            case ADMITTED -> outstanding.incrementAndGet();
            case WAITING -> mine.add(w);
            case REFUSED -> { }
          }
          if (r.nextInt(3) == 0 && !mine.isEmpty()) {
            line.cancel(mine.remove(r.nextInt(mine.size())), true);
          }
          while (outstanding.get() > 0 && r.nextBoolean()) {
            if (outstanding.getAndUpdate(n -> n > 0 ? n - 1 : n) > 0) {
              line.release(1);
            }
          }
        }
        for (WaitingLine.Waiter w : mine) {
          line.cancel(w, false);
        }
        done.countDown();
      });
    }
    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    pool.shutdown();
    while (outstanding.getAndUpdate(n -> n > 0 ? n - 1 : n) > 0) {
      line.release(1);
    }
    assertThat(line.waiting()).isZero();
    assertThat(limiter.inFlight()).isZero();
    assertThat(grants.get()).isPositive();
  }
}
