package io.ballast.proxy.http1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The response timers of many streams on one connection's list: each fires once at its deadline
 * unless disarmed, whatever the order they were armed in, and nothing fires after the close.
 * Real time on a real event loop (the timers read System.nanoTime), with short timeouts.
 */
class DeadlinesTest {
  private final EventLoop loop = new DefaultEventLoop();
  private final Deadlines deadlines = new Deadlines(loop);
  private final List<String> fired = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
  }

  private ResponseTimer timer(String name) {
    return new ResponseTimer(side(), deadlines, () -> fired.add(name));
  }

  /** A stream's side: the timers of a stream use only the shared deadlines, never the side. */
  private static ClientSide side() {
    EmbeddedChannel ch = new EmbeddedChannel();
    return new ChannelSide(ch);
  }

  private void onLoop(Runnable r) throws Exception {
    loop.submit(r).get(5, TimeUnit.SECONDS);
  }

  @Test
  void armedTimersFireAtTheirDeadlinesInOrderAndDisarmedOnesNever() throws Exception {
    ResponseTimer slow = timer("slow");
    ResponseTimer fast = timer("fast");
    ResponseTimer off = timer("off");
    long start = System.nanoTime();
    onLoop(() -> {
      slow.arm(TimeUnit.MILLISECONDS.toNanos(150));
      off.arm(TimeUnit.MILLISECONDS.toNanos(50));
      // Earlier than the queued task: the task moves to it.
      fast.arm(TimeUnit.MILLISECONDS.toNanos(40));
      off.disarm();
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> fired.size() == 2);
    assertThat(fired).containsExactly("fast", "slow");
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(
        TimeUnit.MILLISECONDS.toNanos(150));
    Thread.sleep(100);
    assertThat(fired).containsExactly("fast", "slow");
    onLoop(() -> assertThat(slow.armed() || fast.armed() || off.armed()).isFalse());
  }

  @Test
  void aTimerArmedAgainFromItsCallbackFiresAgain() throws Exception {
    ResponseTimer[] t = new ResponseTimer[1];
    t[0] = new ResponseTimer(side(), deadlines, () -> {
      fired.add("retry");
      if (fired.size() < 3) {
        t[0].arm(TimeUnit.MILLISECONDS.toNanos(20));
      }
    });
    onLoop(() -> t[0].arm(TimeUnit.MILLISECONDS.toNanos(20)));
    await().atMost(Duration.ofSeconds(5)).until(() -> fired.size() == 3);
    Thread.sleep(60);
    assertThat(fired).hasSize(3);
  }

  @Test
  void rearmingMovesTheDeadlineAndTheCloseStopsEverything() throws Exception {
    ResponseTimer a = timer("a");
    ResponseTimer b = timer("b");
    onLoop(() -> {
      a.arm(TimeUnit.MILLISECONDS.toNanos(30));
      a.arm(TimeUnit.MILLISECONDS.toNanos(400));
      b.arm(TimeUnit.MILLISECONDS.toNanos(30));
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> fired.size() == 1);
    assertThat(fired).containsExactly("b");
    onLoop(deadlines::close);
    Thread.sleep(500);
    assertThat(fired).containsExactly("b");
  }
}
