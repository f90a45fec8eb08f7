package io.ballast.core.pool;

import io.ballast.core.Backend;
import io.ballast.core.Scheduler;
import io.ballast.core.health.BackendHealth;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where a running pool's members change: a config reload, the admin API or service discovery
 * set, add or remove them here ({@link LoadBalancer#roster()}).
 *
 * <p>Members are matched by name, and a member that keeps its name and address keeps its
 * {@link Backend} object and everything learnt about it (see {@link MemberChanges}).
 * <ul>
 *   <li>A backend that joins is set up completely (its status, then
 *       {@link PoolListener#onMembersChanged}, where pool features install its gate and outcome
 *       listener) before any picker that contains it is published. With active checks it takes
 *       no traffic until its first check result: a pass brings it up at once whatever
 *       {@code rise} is, a fail keeps it down (Envoy's rule for new hosts; see
 *       {@link BackendHealth#awaitingFirstCheck}). Without active checks it serves at once. Either
 *       way it comes in through slow start or warm-up by feedback, as a returning backend does.
 *   <li>A backend that leaves is out of the next picker at once, then drains: its requests in
 *       flight finish, the control loop looks at its {@code inFlight()} every
 *       {@value Membership#DRAIN_CHECK_MILLIS} ms, and once it is 0 or the
 *       {@link #setDrainTimeout drain timeout} has passed the pool forgets it and tells
 *       {@link PoolListener#onMemberGone} (the time to close its connections). Until then the
 *       pool's status readers still answer for it and {@link LoadBalancer#removing} is true;
 *       afterwards they refuse it as a stranger.
 * </ul>
 *
 * <p>Thread-safe: each method checks its arguments at once and applies the change on the pool's
 * control loop, after every change posted before it.
 */
public final class Roster {
  /** How long a removed backend may drain before the pool forgets it anyway. */
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

  private final String pool;
  private final Membership membership;
  private final PoolControl control;
  private final Scheduler scheduler;

  Roster(String pool, Membership membership, PoolControl control, Scheduler scheduler) {
    this.pool = pool;
    this.membership = membership;
    this.control = control;
    this.scheduler = scheduler;
  }

  /**
   * Makes the pool's members these; nothing happens when they are the pool's members already.
   *
   * @param members every member the pool should have, names unique; empty leaves the pool
   *     without backends (it answers "pool has no backends" until one is added)
   * @param reason for the listeners' log ("config reload", "dns: api.internal")
   * @throws IllegalArgumentException when a name is listed twice; nothing changes then
   */
  public void set(List<Member> members, String reason) {
    List<Member> copy = List.copyOf(members);
    Objects.requireNonNull(reason, "reason");
    MemberChanges.checkUnique(copy);
    scheduler.execute(() -> control.members(copy, reason));
  }

  /**
   * Adds a member, or updates the member of that name (another weight or zone in place; another
   * address replaces it). The same path as {@link #set}.
   */
  public void add(Member member, String reason) {
    Objects.requireNonNull(member, "member");
    Objects.requireNonNull(reason, "reason");
    scheduler.execute(() -> {
      Map<String, Member> wanted = membership.described();
      wanted.put(member.name(), member);
      control.members(List.copyOf(wanted.values()), reason);
    });
  }

  /**
   * Removes the member of that name: it leaves the picker and drains (the last member too: the
   * pool then answers "pool has no backends"). The same path as {@link #set}.
   *
   * @throws IllegalArgumentException when the pool has no member of that name now
   */
  public void remove(String name, String reason) {
    Objects.requireNonNull(reason, "reason");
    if (name == null || !membership.members().byName().containsKey(name)) {
      throw new IllegalArgumentException("backend " + name + " is not in pool " + pool);
    }
    scheduler.execute(() -> {
      Map<String, Member> wanted = membership.described();
      wanted.remove(name);
      control.members(List.copyOf(wanted.values()), reason);
    });
  }

  /**
   * Sets how long a removed backend may drain before the pool forgets it with requests still in
   * flight (they are cut when the proxy closes its connections). Zero forgets it at the first
   * look. Applies to backends draining now too.
   */
  public void setDrainTimeout(Duration timeout) {
    membership.setDrainTimeout(timeout);
  }

  /** See {@link #setDrainTimeout}; {@link #DEFAULT_DRAIN_TIMEOUT} unless set. */
  public Duration drainTimeout() {
    return membership.drainTimeout();
  }
}
