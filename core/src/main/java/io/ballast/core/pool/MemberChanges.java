package io.ballast.core.pool;

import io.ballast.core.Backend;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a membership update changes: the pool's members matched by name against the members it
 * should have (Finagle's {@code update}, Armeria's {@code newLoadBalancer(old, ...)}).
 *
 * <ul>
 *   <li>same name, same address: the backend stays, with everything it learnt; a different weight
 *       or zone makes it {@code updated} (the pool changes it in place);
 *   <li>same name, another address: the old backend is {@code removed} and a new one is
 *       {@code added} in its place;
 *   <li>a new name: a new backend is {@code added} at the end, unless a backend of that name and
 *       address is still draining out of the pool: then that one comes back (a member that
 *       flickers out of discovery and back keeps its connections and history);
 *   <li>a name no longer wanted: {@code removed}.
 * </ul>
 *
 * <p>Order: members that stay keep their places, so a source that lists the same members in
 * another order (DNS answers rotate) changes nothing and republishes nothing; new members follow,
 * in the order given.
 *
 * <p>Pure: builds new {@code Backend}s for new members but changes none. Control loop only.
 *
 * @param members the pool's members after the update, in pool order
 * @param added backends that join (new ones and returning drainers), in pool order
 * @param removed members that leave, in their old pool order
 * @param updated members that stay with another weight or zone
 * @param described the member each added or updated backend must match
 */
record MemberChanges(List<Backend> members, List<Backend> added, List<Backend> removed,
    List<Backend> updated, Map<Backend, Member> described) {

  /**
   * @param current the pool's members now, in pool order
   * @param draining backends leaving the pool, still draining
   * @param wanted the members the pool should have, names unique
   */
  static MemberChanges between(List<Backend> current, Collection<Backend> draining,
      List<Member> wanted) {
    Map<String, Member> byName = checkUnique(wanted);
    List<Backend> members = new ArrayList<>();
    List<Backend> added = new ArrayList<>();
    List<Backend> removed = new ArrayList<>();
    List<Backend> updated = new ArrayList<>();
    Map<Backend, Member> described = new IdentityHashMap<>();
    for (Backend b : current) {
      Member m = byName.remove(b.name());
      if (m == null) {
        removed.add(b);
      } else if (!m.sameAddress(b)) {
        removed.add(b);
        Backend replacement = joining(draining, m);
        members.add(replacement);
        added.add(replacement);
        described.put(replacement, m);
      } else {
        members.add(b);
        if (!m.sameSettings(b)) {
          updated.add(b);
          described.put(b, m);
        }
      }
    }
    for (Member m : byName.values()) {
      Backend b = joining(draining, m);
      members.add(b);
      added.add(b);
      described.put(b, m);
    }
    return new MemberChanges(List.copyOf(members), List.copyOf(added), List.copyOf(removed),
        List.copyOf(updated), described);
  }

  /** The backend that joins for {@code m}: the one still draining at its address, or a new one. */
  private static Backend joining(Collection<Backend> draining, Member m) {
    for (Backend b : draining) {
      if (b.name().equals(m.name()) && m.sameAddress(b)) {
        return b;
      }
    }
    return m.toBackend();
  }

  /**
   * The members by name, in the order given.
   *
   * @throws IllegalArgumentException naming the first name listed twice
   */
  static Map<String, Member> checkUnique(List<Member> wanted) {
    Map<String, Member> byName = new LinkedHashMap<>();
    for (Member m : wanted) {
      if (byName.put(m.name(), m) != null) {
        throw new IllegalArgumentException(
            "members: " + m.name() + " listed twice (expected: unique names)");
      }
    }
    return byName;
  }

  /** True when the update changes nothing. */
  boolean isEmpty() {
    return added.isEmpty() && removed.isEmpty() && updated.isEmpty();
  }
}
