package io.ballast.server.admin;

import io.ballast.core.Backend;
import io.ballast.core.pool.Member;

/**
 * What the admin listener may change in the running pools' membership: add a backend and remove
 * one (it drains). The change lasts until the next reload or restart.
 *
 * <p>Implementations are thread-safe and answer once the pool has applied the change.
 */
public interface Membership {
  /**
   * Adds {@code member} to {@code pool}.
   *
   * @throws IllegalArgumentException naming what is wrong (no such pool, name taken)
   */
  Backend add(String pool, Member member, String reason);

  /**
   * Removes the backend {@code name} from {@code pool}: no new requests, those in flight finish.
   *
   * @throws IllegalArgumentException naming what is wrong (no such pool or backend)
   */
  void remove(String pool, String name, String reason);
}
