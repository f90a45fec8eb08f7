package io.ballast.core.pick;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;

/** Helpers shared by the hash pickers' clockwise walks. Stateless and thread-safe. */
final class HashPicks {
  private HashPicks() {}

  /**
   * True when some available member is not excluded by the context. A walk calls this once, after
   * it has skipped as many positions as there are members, so that a pick where every candidate
   * was already tried costs O(members) instead of a lap of a large ring or table.
   */
  static boolean anyEligible(Backend[] members, boolean[] available, PickContext context) {
    for (int i = 0; i < members.length; i++) {
      if (available[i] && !context.isExcluded(members[i])) {
        return true;
      }
    }
    return false;
  }

  /** The names of the available members, for toString. */
  static String availableNames(Backend[] members, boolean[] available) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < members.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(members[i].name()).append(available[i] ? "" : " (out)");
    }
    return sb.append(']').toString();
  }
}
