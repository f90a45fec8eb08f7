package io.ballast.core.decision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class DecisionLogTest {
  private static Decision weight(long at, String pool, String backend) {
    return new Decision(at, pool, backend, Decision.Kind.WEIGHT, "100", "62",
        "p99 240 ms vs pool 80 ms, cpu 0.91");
  }

  @Test
  void messagesReadAsOneLineInNumbers() {
    assertThat(weight(0, "api", "b2").message())
        .isEqualTo("b2 weight 100 → 62: p99 240 ms vs pool 80 ms, cpu 0.91");
    assertThat(new Decision(0, "api", null, Decision.Kind.PANIC, "off", "on", "1 of 4 available")
        .message()).isEqualTo("pool api panic off → on: 1 of 4 available");
  }

  @Test
  void keepsTheNewestAndFiltersByPool() {
    DecisionLog log = new DecisionLog(3);
    for (int i = 0; i < 5; i++) {
      log.append(weight(i, i % 2 == 0 ? "api" : "web", "b" + i));
    }
    assertThat(log.snapshot()).extracting(Decision::atNanos).containsExactly(2L, 3L, 4L);
    assertThat(log.total()).isEqualTo(5);
    assertThat(log.latest(2, null)).extracting(Decision::atNanos).containsExactly(3L, 4L);
    assertThat(log.latest(10, "api")).extracting(Decision::atNanos).containsExactly(2L, 4L);
    assertThatThrownBy(() -> new DecisionLog(0)).hasMessage("capacity: 0 (expected: >= 1)");
  }

  @Test
  void appendsFromSeveralThreadsAreAllCounted() throws Exception {
    DecisionLog log = new DecisionLog(100);
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread thread = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        for (int i = 0; i < 1000; i++) {
          log.append(weight(i, "api", "b"));
          log.snapshot();
        }
      });
      thread.start();
      threads.add(thread);
    }
    start.countDown();
    for (Thread thread : threads) {
      thread.join();
    }
    assertThat(log.total()).isEqualTo(4000);
    assertThat(log.snapshot()).hasSize(100);
  }
}
