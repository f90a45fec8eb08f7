package io.ballast.sim;

import java.util.function.IntPredicate;

/**
 * The oracle's choice of a free worker: rules 2 to 4 of {@link OracleDispatcher}'s class comment
 * (fastest free worker first, then the least utilized, then the one chosen longest ago; a slower free worker
 * only when waiting for a faster, all-busy one would take longer; never where the request's own
 * draw says it fails), on any view of the backends. It exists once and both oracles call it: the
 * simulator's ({@link OracleDispatcher}, on its modelled backends) and the scenario runner's
 * real-process one (bench's {@code OracleDispatch}, on what it is told of real backends), so the
 * two cannot drift apart.
 *
 * <p>Not thread-safe (a scratch array): one per dispatcher, used from its thread.
 */
public final class OracleChoice {

  /** What the choice reads of the backends, indexed in scenario order. */
  public interface Backends {
    /** How many backends. */
    int count();

    /** True mean service time of a request started now, nanoseconds (the slow-down included). */
    double meanNanos(int backend);

    /** Workers it has now. */
    int workers(int backend);

    /** Workers a request may start on now (0 when dead, or when it starts nothing, as in a stall). */
    int free(int backend);

    /**
     * Whether its busy workers are completing work at workers / mean (alive, and not paused),
     * so that waiting for one of them is worth counting.
     */
    boolean completing(int backend);
  }

  private final int[] candidates;
  /**
   * When each backend was last chosen (a count of choices): among backends equal in speed and
   * load, the one chosen longest ago goes first. Without it, ties went to scenario order, and on
   * equal backends at light load (every worker free) the first backend took nearly everything:
   * as good for latency as any spread, but a meaningless reference for shares.
   */
  private final long[] lastChosen;
  private long choices;

  /** For up to {@code backends} backends. */
  public OracleChoice(int backends) {
    if (backends <= 0) {
      throw new IllegalArgumentException("backends: " + backends + " (expected: > 0)");
    }
    this.candidates = new int[backends];
    this.lastChosen = new long[backends];
  }

  /**
   * The backend whose free worker the request with {@code ahead} requests held before it should
   * take now, or -1 when it is better off waiting. {@code fails} is the backend's own draw of
   * whether this request fails there; it is made only for a candidate that rules 2 and 3 leave,
   * in their order, and a failing draw is spent (the next candidate is tried).
   */
  public int choose(Backends v, int ahead, IntPredicate fails) {
    int n = 0;
    for (int i = 0; i < v.count(); i++) {
      if (v.free(i) > 0) {
        // Insertion sort: a handful of backends.
        int j = n++;
        while (j > 0 && before(v, i, candidates[j - 1])) {
          candidates[j] = candidates[j - 1];
          j--;
        }
        candidates[j] = i;
      }
    }
    for (int k = 0; k < n; k++) {
      int b = candidates[k];
      if (fasterIfWaiting(v, v.meanNanos(b), ahead) || fails.test(b)) {
        continue;
      }
      lastChosen[b] = ++choices;
      return b;
    }
    return -1;
  }

  /**
   * Whether backend {@code a} comes before {@code b}: faster, then less utilized, then the one
   * chosen longer ago (a rotation among equals), then scenario order.
   */
  private boolean before(Backends v, int a, int b) {
    int bySpeed = Double.compare(v.meanNanos(a), v.meanNanos(b));
    if (bySpeed != 0) {
      return bySpeed < 0;
    }
    // busy_a / workers_a < busy_b / workers_b, cross-multiplied to stay exact.
    long busyA = v.workers(a) - v.free(a);
    long busyB = v.workers(b) - v.free(b);
    long byLoad = busyA * v.workers(b) - busyB * v.workers(a);
    if (byLoad != 0) {
      return byLoad < 0;
    }
    return lastChosen[a] != lastChosen[b] ? lastChosen[a] < lastChosen[b] : a < b;
  }

  /**
   * Rule 3: whether a request with {@code ahead} others held before it expects to finish sooner
   * by waiting for a worker of a faster, all-busy backend than on a free worker of mean
   * {@code meanNanos}: {@code meanNanos > (ahead + 1 + C) / R}, the faster all-busy backends
   * having {@code C} workers that complete {@code R = Σ c_j / m_j} requests per nanosecond.
   */
  private static boolean fasterIfWaiting(Backends v, double meanNanos, int ahead) {
    double rate = 0;
    long workers = 0;
    for (int i = 0; i < v.count(); i++) {
      double mean = v.meanNanos(i);
      if (v.completing(i) && v.free(i) == 0 && mean < meanNanos) {
        rate += v.workers(i) / mean;
        workers += v.workers(i);
      }
    }
    return rate > 0 && meanNanos > (ahead + 1 + workers) / rate;
  }
}
