package io.ballast.core.pool;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import java.util.List;

/**
 * What a pool ({@link LoadBalancer}) tells of every state change, on its control loop. Several may listen
 * ({@link LoadBalancer#addListener}); each call goes to each, in the order they were added.
 */
public interface PoolListener {
  PoolListener NONE = new PoolListener() {};

  default void onHealthChange(
      LoadBalancer pool, Backend backend, HealthState from, HealthState to, String reason) {}

  default void onAdminChange(
      LoadBalancer pool, Backend backend, AdminState from, AdminState to, String reason) {}

  /** Outlier detection took the backend out ({@code ejected} true) or let it back. */
  default void onEjection(LoadBalancer pool, Backend backend, boolean ejected, String reason) {}

  /** The pool entered ({@code panic} true) or left panic mode. */
  default void onPanic(LoadBalancer pool, boolean panic, String reason) {}

  /**
   * A backend came back (health, operator, ejection or circuit) while the pool warms up by
   * feedback ({@link LoadBalancer#useFeedbackWarmup}): it now serves at the start percentage, and whoever
   * listens (the weight controller) raises it.
   */
  default void onWarmupStart(LoadBalancer pool, Backend backend) {}

  /**
   * A membership update changed the pool, before the picker that reflects it is built: install
   * what each added backend needs (gate, outcome listener, a poller) here, so that it is in
   * place before the backend can be picked, and drop what removed ones no longer need.
   *
   * @param added backends that join, new or coming back while they still drained; their status
   *     is readable already
   * @param removed backends that leave: out of the next picker, draining until
   *     {@link #onMemberGone}
   * @param updated members whose weight or zone changed in place
   * @param reason what changed the members ("config reload", "admin API", a discovery source)
   */
  default void onMembersChanged(LoadBalancer pool, List<Backend> added, List<Backend> removed,
      List<Backend> updated, String reason) {}

  /**
   * A removed backend has drained (no request in flight) or its drain timeout passed (then
   * {@code backend.load().inFlight()} says how many requests are cut): the pool has forgotten
   * it. Close its connections and stop its pollers.
   */
  default void onMemberGone(LoadBalancer pool, Backend backend) {}

  /** {@link LoadBalancer#reconfigure} changed the algorithm, its tunables or the health settings. */
  default void onReconfigured(LoadBalancer pool, String reason) {}
}
