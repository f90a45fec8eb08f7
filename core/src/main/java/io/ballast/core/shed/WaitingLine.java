package io.ballast.core.shed;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where a request that met its pool's concurrency limit waits briefly for a place instead of
 * being refused at once: HAProxy's server queue ({@code maxconn} with {@code timeout queue}),
 * with ballast's classes. A place that frees goes to the waiter of the highest class, first come
 * first served within a class, so the backends never idle while work waits, and a request that
 * is refused after all was given every chance a short deadline allows.
 *
 * <p><b>Why it helps.</b> Without a line, a freed place stays empty until the next request
 * arrives, and a limit low enough to keep the backends' queues short leaves workers idle between
 * the bursts of a Poisson arrival; with one, the limit can sit close to the workers the pool has
 * and every place that frees is filled at once.
 *
 * <p><b>Rules.</b> A class waits only when its own threshold refused it ({@link
 * ConcurrencyLimiter#tryAcquireQuietly}); when a place frees, the head of the highest non-empty
 * class gets it if that class's threshold allows, and nobody does otherwise (the thresholds fall
 * with the class, so a lower class cannot fit where a higher one does not). A request that
 * arrives while others wait joins the line rather than overtake them ({@link #waiting}). The line
 * holds at most {@code capacity} waiters; past that a request is refused at once. The deadline
 * is the caller's: its timer calls {@link #cancel}, and a waiter is granted or cancelled exactly
 * once (a compare-and-set decides the race between a grant and a deadline).
 *
 * <p><b>Threading.</b> Thread-safe. Admission without waiters stays the limiter's lock-free path;
 * the line's own state is guarded by its monitor, taken only when a request meets the limit or a
 * place frees while someone waits (overload, and only then). {@link Waiter#granted} is called
 * outside the monitor, on the thread whose release freed the place: it must not block (post the
 * continuation to the waiter's own thread).
 */
public final class WaitingLine {
  private final ConcurrencyLimiter limiter;
  private final int capacity;
  @SuppressWarnings("unchecked")
  private final ArrayDeque<Waiter>[] lines = new ArrayDeque[Priority.values().length];
  private final AtomicInteger waiting = new AtomicInteger();

  /**
   * @param limiter the pool's limiter, whose places the line hands out
   * @param capacity the most requests that may wait at once, >= 1
   */
  public WaitingLine(ConcurrencyLimiter limiter, int capacity) {
    this.limiter = Objects.requireNonNull(limiter, "limiter");
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
    }
    this.capacity = capacity;
    for (int i = 0; i < lines.length; i++) {
      lines[i] = new ArrayDeque<>();
    }
  }

  /** One request waiting for a place. Granted or cancelled once. */
  public abstract static class Waiter {
    private static final int WAITING = 0;
    private static final int GRANTED = 1;
    private static final int CANCELLED = 2;
    private final Priority priority;
    private final AtomicInteger state = new AtomicInteger(WAITING);

    protected Waiter(Priority priority) {
      this.priority = priority == null ? Priority.DEFAULT : priority;
    }

    public final Priority priority() {
      return priority;
    }

    /**
     * The request holds a place now and must {@link ConcurrencyLimiter#release} it when it
     * ends. Called once, from the thread that freed the place; must not block.
     */
    protected abstract void granted();
  }

  public ConcurrencyLimiter limiter() {
    return limiter;
  }

  public int capacity() {
    return capacity;
  }

  /** Requests waiting now. */
  public int waiting() {
    return waiting.get();
  }

  /** What {@link #admitOrWait} did with a request. */
  public enum Outcome {
    /** It holds a place now. */
    ADMITTED,
    /** It waits in the line: granted later (perhaps before the call returned) or cancelled. */
    WAITING,
    /** The line is full: refused at once (counted); its waiter is never called. */
    REFUSED
  }

  /**
   * Admits a request at once when nobody waits and its class's threshold allows, or puts
   * {@code w} in the line, or refuses it when the line is full.
   */
  public Outcome admitOrWait(Waiter w) {
    return tryAdmit(w.priority) ? Outcome.ADMITTED : enqueue(w);
  }

  /**
   * The fast path of {@link #admitOrWait}, which needs no waiter: true when nobody waits and the
   * class's threshold allows (the request holds a place); false: {@link #enqueue} it.
   */
  public boolean tryAdmit(Priority priority) {
    return waiting.get() == 0 && limiter.tryAcquireQuietly(priority);
  }

  /** Puts {@code w} in the line ({@link Outcome#WAITING}), or refuses it when the line is full. */
  public Outcome enqueue(Waiter w) {
    Priority p = w.priority;
    synchronized (this) {
      if (waiting.get() >= capacity) {
        limiter.refuse(p);
        return Outcome.REFUSED;
      }
      lines[p.ordinal()].addLast(w);
      waiting.incrementAndGet();
    }
    limiter.countQueued();
    // A place may have freed between the limiter's refusal and the line taking w: the release
    // that freed it saw nobody waiting, so look again here.
    dispatch();
    return Outcome.WAITING;
  }

  /**
   * The waiter's deadline passed, or its request went away: true when it was still waiting (it
   * leaves the line; a deadline counts it refused with {@code refused}), false when it was
   * granted first (it holds a place and must release it).
   */
  public boolean cancel(Waiter w, boolean refused) {
    if (!w.state.compareAndSet(Waiter.WAITING, Waiter.CANCELLED)) {
      return false;
    }
    synchronized (this) {
      if (lines[w.priority.ordinal()].remove(w)) {
        waiting.decrementAndGet();
      }
    }
    if (refused) {
      limiter.refuse(w.priority);
    }
    return true;
  }

  /**
   * An admitted request ended after {@code nanos}: its place goes back to the limiter and, when
   * someone waits, to the first waiter it fits.
   */
  public void release(long nanos) {
    limiter.release(nanos);
    if (waiting.get() > 0) {
      dispatch();
    }
  }

  /**
   * A place granted to a waiter whose request had gone by the time it heard: the place goes back
   * unmeasured, to the next waiter if any.
   */
  public void giveBack() {
    limiter.giveBack();
    if (waiting.get() > 0) {
      dispatch();
    }
  }

  /** Hands free places to waiters while their classes' thresholds allow. */
  void dispatch() {
    List<Waiter> granted = null;
    synchronized (this) {
      while (waiting.get() > 0) {
        ArrayDeque<Waiter> line = firstNonEmpty();
        Waiter w = line.peekFirst();
        if (w.state.get() != Waiter.WAITING) {
          // Cancelled, about to be removed by its canceller: drop it here instead.
          line.pollFirst();
          waiting.decrementAndGet();
          continue;
        }
        if (!limiter.tryAcquireQuietly(w.priority)) {
          break;
        }
        line.pollFirst();
        waiting.decrementAndGet();
        if (w.state.compareAndSet(Waiter.WAITING, Waiter.GRANTED)) {
          if (granted == null) {
            granted = new ArrayList<>(2);
          }
          granted.add(w);
        } else {
          limiter.giveBack();
        }
      }
    }
    if (granted != null) {
      for (Waiter w : granted) {
        w.granted();
      }
    }
  }

  private ArrayDeque<Waiter> firstNonEmpty() {
    for (ArrayDeque<Waiter> line : lines) {
      if (!line.isEmpty()) {
        return line;
      }
    }
    throw new IllegalStateException("waiting count " + waiting.get() + " with every line empty");
  }

  @Override
  public String toString() {
    return "waiting line of pool " + limiter.pool() + ": " + waiting() + " of " + capacity;
  }
}
