package io.ballast.core.shed;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.ManualScheduler;
import io.ballast.core.decision.Decision;
import io.ballast.core.decision.DecisionLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shedder on a manual clock: windows harvested, limits set, decisions logged. */
class PoolShedderTest {
  private static final long MS = 1_000_000L;
  private static final Duration INTERVAL = Duration.ofMillis(500);
  private static final SheddingSettings SETTINGS =
      new SheddingSettings(10, 1000, 1.5, INTERVAL, 20);

  private final ManualScheduler scheduler = new ManualScheduler();
  private final DecisionLog log = new DecisionLog();
  private final List<Decision> sink = new ArrayList<>();
  private final ConcurrencyLimiter limiter = new ConcurrencyLimiter("api", 5);

  /** {@code n} requests admitted together and released after {@code latencyMs}. */
  private int serve(int n, long latencyMs, Priority priority) {
    int admitted = 0;
    for (int i = 0; i < n; i++) {
      if (limiter.tryAcquire(priority)) {
        admitted++;
      }
    }
    for (int i = 0; i < admitted; i++) {
      limiter.release(latencyMs * MS);
    }
    return admitted;
  }

  @Test
  void startsAtTheMaximumAndLogsEveryChangeWithItsFigures() {
    PoolShedder shedder = new PoolShedder(limiter, SETTINGS, null, log, sink::add);
    assertThat(limiter.limit()).as("nothing refused before anything is measured").isEqualTo(1000);
    shedder.start(scheduler);
    scheduler.runAll();
    serve(12, 10, Priority.DEFAULT);
    serve(12, 10, Priority.DEFAULT);
    scheduler.advance(INTERVAL);
    // Peak 12: headroom ceil(2 × 12 / 0.5) = 48; 1000 is more than twice that: 1000 → 750.
    assertThat(limiter.limit()).isEqualTo(750);
    assertThat(log.snapshot()).hasSize(1);
    Decision d = log.snapshot().get(0);
    assertThat(d.kind()).isEqualTo(Decision.Kind.CONCURRENCY_LIMIT);
    assertThat(d.message()).isEqualTo("pool api concurrency_limit 1000 → 750: peak 12 in flight, "
        + "nothing refused: more than twice the headroom needed (48)");
    assertThat(sink).containsExactly(d);
    assertThat(shedder.baselineNanos()).isBetween(9.0 * MS, 11.0 * MS);
  }

  @Test
  void aQuietWindowIsExtendedUntilItHasEnoughCompletions() {
    PoolShedder shedder = new PoolShedder(limiter, SETTINGS, null, log, sink::add);
    shedder.start(scheduler);
    scheduler.runAll();
    serve(10, 10, Priority.DEFAULT);
    scheduler.advance(INTERVAL);
    assertThat(limiter.limit()).as("10 completions < 20: not judged yet").isEqualTo(1000);
    serve(10, 10, Priority.DEFAULT);
    scheduler.advance(INTERVAL);
    assertThat(limiter.limit()).isEqualTo(750);
  }

  @Test
  void anOverloadLowersTheLimitAndSheddableGoesFirst() {
    PoolShedder first = new PoolShedder(limiter, SETTINGS, null, log, sink::add);
    first.start(scheduler);
    scheduler.runAll();
    // Learn a 10 ms baseline at 20 in flight, until the limit sits within its headroom.
    for (int i = 0; i < 12; i++) {
      serve(20, 10, Priority.DEFAULT);
      scheduler.advance(INTERVAL);
    }
    int learned = limiter.limit();
    assertThat(learned).isBetween(80, 160); // headroom ceil(2 × 20 / 0.5) = 80, up to twice it
    assertThat(limiter.refused()).isZero();
    // Overload: everybody queues; the window's requests take 40 ms and sheddable ones are refused.
    int sheddableThreshold = limiter.threshold(Priority.SHEDDABLE);
    int held = 0;
    for (int i = 0; i < sheddableThreshold; i++) {
      held += limiter.tryAcquire(Priority.DEFAULT) ? 1 : 0;
    }
    assertThat(limiter.tryAcquire(Priority.SHEDDABLE)).isFalse();
    assertThat(limiter.tryAcquire(Priority.CRITICAL)).isTrue();
    held++;
    for (int i = 0; i < held; i++) {
      limiter.release(40 * MS);
    }
    scheduler.advance(INTERVAL);
    // p50 40 ms against 10 × 1.5: gradient max(0.25, 15 / 40) = 0.375, of the limit the peak
    // pressed on: the one whose default threshold (3/4) it reached.
    int pressed = Math.min(learned, (int) Math.ceil(held / 0.75));
    int cut = (int) (pressed * 0.375);
    assertThat(limiter.limit()).isEqualTo(cut);
    Decision d = log.snapshot().get(log.snapshot().size() - 1);
    assertThat(d.message()).startsWith("pool api concurrency_limit " + learned + " → "
        + cut + ": p50 ");
    assertThat(d.message()).contains("above baseline").contains("at the limit (1 refused, 1 of "
        + "them sheddable, peak " + held + " in flight): gradient 0.38");
    // The cut went under the requests in flight: none now, so the critical class has no floor.
    assertThat(limiter.threshold(Priority.CRITICAL)).isEqualTo(cut);

    // A reload with other settings continues from the limit and the baseline.
    first.stop();
    scheduler.runAll();
    PoolShedder second = new PoolShedder(limiter, SETTINGS.withLimits(5, 500), first, log,
        sink::add);
    assertThat(second.limit()).isEqualTo(cut);
    assertThat(second.baselineNanos()).isEqualTo(first.baselineNanos());
  }
}
