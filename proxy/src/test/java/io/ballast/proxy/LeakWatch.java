package io.ballast.proxy;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Collects the leak reports of Netty's buffer leak detector (run it at PARANOID level), so that a
 * test can fail on a leak instead of only logging it. The detector reports a leak when a buffer
 * that was never released is garbage collected and a later allocation polls its queue:
 * {@link #leaks()} forces both.
 */
public final class LeakWatch implements ResourceLeakDetector.LeakListener {
  private final List<String> leaks = new CopyOnWriteArrayList<>();

  /** Installs a watch on every ByteBuf; the detector keeps only one listener, the last. */
  public static LeakWatch install() {
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    LeakWatch w = new LeakWatch();
    try {
      // The buffer detector is package-private in Netty; only tests reach for it.
      Field f = AbstractByteBuf.class.getDeclaredField("leakDetector");
      f.setAccessible(true);
      ((ResourceLeakDetector<?>) f.get(null)).setLeakListener(w);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot watch Netty's leak detector", e);
    }
    return w;
  }

  @Override
  public void onLeak(String resourceType, String records) {
    leaks.add(resourceType + ": " + records);
  }

  /** Leaks reported so far, after a few collections and allocations to bring them out. */
  public List<String> leaks() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      for (int j = 0; j < 64; j++) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(16);
        b.release();
      }
    }
    return List.copyOf(leaks);
  }
}
