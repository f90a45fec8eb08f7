package io.ballast.core.decision;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The last decisions of a process, bounded: once full, each new decision drops the oldest.
 *
 * <p>Thread-safe: control loops append (a short lock, never on the request path); the admin
 * listener reads a snapshot. Appending and reading copy nothing but the snapshot itself.
 */
public final class DecisionLog {
  /** Decisions kept unless told otherwise. */
  public static final int DEFAULT_CAPACITY = 1000;

  private final int capacity;
  private final ArrayDeque<Decision> decisions;
  private long total;

  public DecisionLog() {
    this(DEFAULT_CAPACITY);
  }

  public DecisionLog(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
    }
    this.capacity = capacity;
    this.decisions = new ArrayDeque<>(Math.min(capacity, 1024));
  }

  /** Adds a decision, dropping the oldest when full. */
  public void append(Decision decision) {
    Objects.requireNonNull(decision, "decision");
    synchronized (decisions) {
      if (decisions.size() == capacity) {
        decisions.removeFirst();
      }
      decisions.addLast(decision);
      total++;
    }
  }

  /** Every decision kept, oldest first. */
  public List<Decision> snapshot() {
    synchronized (decisions) {
      return List.copyOf(decisions);
    }
  }

  /**
   * The newest {@code limit} decisions of the named pool (every pool when {@code pool} is null),
   * oldest first.
   */
  public List<Decision> latest(int limit, String pool) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit: " + limit + " (expected: >= 0)");
    }
    List<Decision> out = new ArrayList<>();
    synchronized (decisions) {
      var it = decisions.descendingIterator();
      while (it.hasNext() && out.size() < limit) {
        Decision d = it.next();
        if (pool == null || pool.equals(d.pool())) {
          out.add(d);
        }
      }
    }
    java.util.Collections.reverse(out);
    return out;
  }

  /** Decisions appended since the log was made, dropped ones included. */
  public long total() {
    synchronized (decisions) {
      return total;
    }
  }

  public int capacity() {
    return capacity;
  }
}
