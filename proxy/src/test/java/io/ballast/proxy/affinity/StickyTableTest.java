package io.ballast.proxy.affinity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.Backend;
import io.ballast.core.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StickyTableTest {
  private final Backend a = new Backend("a", "127.0.0.1", 9001, 1);
  private final Backend b = new Backend("b", "127.0.0.1", 9002, 1);
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final Ticker ticker = now::get;

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void aPinIsKeptWhileUsedAndForgottenAfterTheIdleExpiry() {
    StickyTable table = new StickyTable(100, Duration.ofMinutes(10), ticker);
    table.put(1L, a);
    table.put(2L, b);
    assertThat(table.get(1L)).isSameAs(a);
    // Reading a pin keeps it: session 1 is used every 6 minutes, session 2 never again.
    advance(Duration.ofMinutes(6));
    assertThat(table.get(1L)).isSameAs(a);
    advance(Duration.ofMinutes(6));
    assertThat(table.get(1L)).isSameAs(a);
    assertThat(table.get(2L)).isNull();
    assertThat(table.size()).isEqualTo(1);
    advance(Duration.ofMinutes(10));
    assertThat(table.get(1L)).isNull();
    assertThat(table.size()).isZero();
    StickyTable.Counters counters = table.counters();
    assertThat(counters.hits()).isEqualTo(3);
    assertThat(counters.misses()).isEqualTo(2);
    assertThat(counters.expirations()).isEqualTo(2);
    assertThat(counters.evictions()).isZero();
  }

  @Test
  void theSizeIsBoundedAndAMovedSessionIsRepinned() {
    StickyTable table = new StickyTable(1000, Duration.ofHours(1), ticker);
    for (long key = 0; key < 5000; key++) {
      table.put(key, (key & 1) == 0 ? a : b);
      assertThat(table.size()).isLessThanOrEqualTo(1000);
    }
    assertThat(table.size()).isEqualTo(1000);
    assertThat(table.counters().evictions()).isEqualTo(4000);
    long found = 0;
    for (long key = 0; key < 5000; key++) {
      Backend pin = table.get(key);
      if (pin != null) {
        assertThat(pin).isSameAs((key & 1) == 0 ? a : b);
        found++;
      }
    }
    assertThat(found).isEqualTo(1000);
    long kept = 0;
    for (long key = 0; key < 5000 && kept == 0; key++) {
      if (table.get(key) != null) {
        kept = key;
        table.put(key, key % 2 == 0 ? b : a);
        assertThat(table.get(key)).isSameAs(key % 2 == 0 ? b : a);
        table.remove(key);
        assertThat(table.get(key)).isNull();
      }
    }
    assertThat(table.size()).isEqualTo(999);
    table.clear();
    assertThat(table.size()).isZero();
  }

  @Test
  void concurrentUseKeepsTheBoundAndEveryPinItsOwn() throws Exception {
    StickyTable table = new StickyTable(500, Duration.ofHours(1), ticker);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        long base = t * 1_000_000L;
        futures.add(pool.submit(() -> {
          for (long k = base; k < base + 20_000; k++) {
            Backend pin = (k & 1) == 0 ? a : b;
            table.put(k, pin);
            Backend got = table.get(k);
            if (got != null && got != pin) {
              throw new AssertionError("key " + k + " pinned to " + got);
            }
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(table.size()).isLessThanOrEqualTo(500);
    StickyTable.Counters c = table.counters();
    assertThat(c.hits() + c.misses()).isEqualTo(80_000);
    assertThat(c.evictions()).isEqualTo(80_000 - table.size());
  }

  @Test
  void argumentsAreValidated() {
    assertThatThrownBy(() -> new StickyTable(0, Duration.ofMinutes(1)))
        .hasMessage("maximumSize: 0 (expected: >= 1)");
    assertThatThrownBy(() -> new StickyTable(10, Duration.ZERO))
        .hasMessage("expireAfterAccess: PT0S (expected: > 0)");
    StickyTable table = new StickyTable(10, Duration.ofMinutes(1));
    assertThatThrownBy(() -> table.put(1L, null)).hasMessage("backend");
    assertThat(table.toString()).startsWith("StickyTable[size=0/10, expireAfterAccess=PT1M");
  }
}
