package io.ballast.core.pool;

import io.ballast.core.AdminState;
import io.ballast.core.HealthState;
import java.util.List;

/**
 * Which members of a pool take traffic, and whether the pool is in panic mode (Envoy's panic
 * threshold).
 *
 * <p>A member is <em>in service</em> when its health serves and the operator has it ACTIVE, and
 * <em>available</em> when, besides, outlier detection has not ejected it and its circuit is not
 * open. When fewer than the threshold share of the active members are available, whatever took the
 * others out (health, ejection, an open circuit), the pool panics: too few are left to carry it,
 * so it balances over every active member that is not ejected rather than crush the few. Outlier
 * ejections stay out: the detector caps them itself (maximum ejection share), so they alone never
 * cause panic, and a backend ejected for failing requests is the last one to want back. Unless
 * nothing else is left. No panic when no member passes its health checks: then the pool is down
 * and answers 503 at once. Ejections and open circuits alone never empty a pool (unless the
 * threshold is 0, which turns panic off).
 *
 * <p>Worked example, threshold 50%, members a, b, c, d all ACTIVE ("up": health serves):
 * <pre>
 *   a       b       c       d            available   panic
 *   up      up      down    up, ejected  a b         no: 2 of 4 available, not below 50%
 *   up      down    down    up, ejected  a b c       yes: 1 of 4; d stays out
 *   open    open    open    open         a b c d     yes: 0 of 4, all pass their checks
 *   ejected ejected ejected ejected      a b c d     yes: nothing else is left
 *   down    down    down    down         (none)      no: none passes its checks
 * </pre>
 * ("open": up with its circuit open.) A member the operator drains or holds in maintenance is
 * never available and does not count among the active ones.
 *
 * <p>Pure and stateless: the caller keeps whether the pool was in panic, to tell its listeners
 * when that changes.
 */
final class PanicPolicy {
  private PanicPolicy() {}

  /** One member as the rule reads it. */
  record Standing(HealthState health, AdminState admin, boolean ejected, boolean circuitOpen) {}

  /**
   * The verdict over one pool.
   *
   * @param available which members take traffic, in pool order
   * @param panic the pool balances over members that are not available too
   * @param availableCount members available outside panic
   * @param inService members whose health and operator let them serve
   * @param active members the operator has ACTIVE
   * @param thresholdPercent the threshold it was decided with
   */
  record Verdict(boolean[] available, boolean panic, int availableCount, int inService,
      int active, int thresholdPercent) {
    /** No picker to build: nothing is available and the pool is not in panic. */
    boolean noneAvailable() {
      return availableCount == 0 && !panic;
    }

    /** Why the pool is (or is not) in panic, for the listener that hears it change. */
    String reason() {
      if (available.length == 0) {
        return "the pool has no backends";
      }
      String counts = availableCount + " of " + active + " active backends available";
      return panic
          ? counts + " (below " + thresholdPercent + "%): balancing over all of them"
          : inService == 0
              ? counts + ", none passes its health checks: answering 503 at once"
              : counts + " (back at or above " + thresholdPercent + "%)";
    }
  }

  /** Health and the operator let the member serve, whatever outlier detection says. */
  static boolean inService(HealthState health, AdminState admin) {
    return health.serving() && admin == AdminState.ACTIVE;
  }

  /** The member takes traffic outside panic. */
  static boolean available(HealthState health, AdminState admin, boolean ejected,
      boolean circuitOpen) {
    return inService(health, admin) && !ejected && !circuitOpen;
  }

  /**
   * @param members every member, in pool order
   * @param thresholdPercent panic below this share of active members available; 0..100, 0 never
   */
  static Verdict decide(List<Standing> members, int thresholdPercent) {
    int n = members.size();
    boolean[] available = new boolean[n];
    int count = 0;
    int inService = 0;
    int active = 0;
    for (int i = 0; i < n; i++) {
      Standing s = members.get(i);
      available[i] = available(s.health(), s.admin(), s.ejected(), s.circuitOpen());
      count += available[i] ? 1 : 0;
      inService += inService(s.health(), s.admin()) ? 1 : 0;
      active += s.admin() == AdminState.ACTIVE ? 1 : 0;
    }
    boolean panic = inService > 0 && count * 100L < (long) thresholdPercent * active;
    if (panic) {
      int left = 0;
      for (int i = 0; i < n; i++) {
        Standing s = members.get(i);
        available[i] = s.admin() == AdminState.ACTIVE && !s.ejected();
        left += available[i] ? 1 : 0;
      }
      for (int i = 0; i < n && left == 0; i++) {
        available[i] = members.get(i).admin() == AdminState.ACTIVE;
      }
    }
    return new Verdict(available, panic, count, inService, active, thresholdPercent);
  }
}
