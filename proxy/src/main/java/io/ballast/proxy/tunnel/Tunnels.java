package io.ballast.proxy.tunnel;

import io.ballast.proxy.Waits;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The open tunnels of one proxy: how many there are, what they buffer, and their end at
 * shutdown ({@link #closeAll}).
 *
 * <p>Thread-safe: tunnels join and leave on their event loops; the figures and
 * {@link #closeAll} may be read and called from any thread.
 */
public final class Tunnels {
  private final Set<Tunnel> open = ConcurrentHashMap.newKeySet();

  void add(Tunnel t) {
    open.add(t);
  }

  void remove(Tunnel t) {
    open.remove(t);
  }

  /** Tunnels open now. */
  public int open() {
    return open.size();
  }

  /** Bytes waiting in ballast's outbound buffers of every open tunnel, now. */
  public long bufferedBytes() {
    long n = 0;
    for (Tunnel t : open) {
      n += t.bufferedBytes();
    }
    return n;
  }

  /** The most bytes one connection of an open tunnel has held after a write. */
  public long peakBufferedBytes() {
    long max = 0;
    for (Tunnel t : open) {
      max = Math.max(max, t.peakBufferedBytes());
    }
    return max;
  }

  /**
   * Ends every open tunnel ({@link Tunnel#goAway}) and waits until they have closed, for at
   * most {@code grace} and a little more for the closes to land. Returns true when none is
   * left. For shutdown: call it before the event loops stop, which would cut the tunnels with
   * no goodbye.
   */
  public boolean closeAll(Duration grace) {
    if (open.isEmpty()) {
      return true;
    }
    for (Tunnel t : open) {
      t.goAway(grace);
    }
    return Waits.until(open::isEmpty, grace.plusMillis(200));
  }
}
