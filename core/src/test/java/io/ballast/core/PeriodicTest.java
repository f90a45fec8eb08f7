package io.ballast.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeriodicTest {
  private static final Duration SECOND = Duration.ofSeconds(1);
  private final ManualScheduler loop = new ManualScheduler();
  private final List<String> events = new ArrayList<>();
  private final Periodic periodic =
      new Periodic(SECOND, () -> events.add("start"), () -> events.add("tick"));

  @Test
  void ticksEveryIntervalFromTheStartUntilTheStop() {
    periodic.start(loop);
    periodic.start(loop); // a second start does nothing
    loop.runAll();
    assertThat(events).containsExactly("start");
    assertThat(periodic.running()).isTrue();
    loop.advance(Duration.ofMillis(999));
    assertThat(events).containsExactly("start");
    loop.advance(Duration.ofMillis(1));
    loop.advance(SECOND);
    assertThat(events).containsExactly("start", "tick", "tick");
    periodic.stop();
    loop.runAll();
    loop.advance(Duration.ofSeconds(10));
    assertThat(events).containsExactly("start", "tick", "tick");
    assertThat(periodic.running()).isFalse();
  }

  @Test
  void aStopBeforeTheLoopRanTheStartMeansItNeverStarts() {
    periodic.start(loop);
    periodic.stop();
    loop.runAll();
    loop.advance(Duration.ofSeconds(5));
    assertThat(events).isEmpty();
  }

  @Test
  void aTickThatThrowsStillSchedulesTheNext() {
    int[] ticks = {0};
    Periodic failing = new Periodic(SECOND, () -> { }, () -> {
      ticks[0]++;
      throw new IllegalStateException("tick " + ticks[0]);
    });
    failing.start(loop);
    loop.runAll();
    for (int i = 0; i < 3; i++) {
      try {
        loop.advance(SECOND);
      } catch (IllegalStateException expected) {
        // the manual loop passes the tick's exception on; the next tick is scheduled anyway
      }
    }
    assertThat(ticks[0]).isEqualTo(3);
  }
}
