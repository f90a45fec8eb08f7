package io.ballast.core.pool;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import java.util.Objects;

/**
 * What a pool should hold under one name: the description a membership update
 * ({@link Roster#set}) is made of, from the config file, the admin API or service
 * discovery.
 *
 * <p>Immutable; validated at construction as {@link Backend} validates itself.
 *
 * @param name unique within the pool: a membership update matches backends by it
 * @param host where to connect
 * @param port 1..65535
 * @param weight the configured weight, 1..{@value Backend#MAX_WEIGHT}
 * @param zone "region/zone", or null when the pool is not zone-aware
 * @param state the operator's state of a backend that joins; a member already in the pool keeps
 *     its own (the admin API changes it, not a membership update)
 */
public record Member(String name, String host, int port, int weight, String zone,
    AdminState state) {
  public Member {
    Backend.validate(name, host, port, weight, zone);
    Objects.requireNonNull(state, "state");
  }

  /** An active member in no zone. */
  public Member(String name, String host, int port, int weight) {
    this(name, host, port, weight, null, AdminState.ACTIVE);
  }

  /** The description of a backend as it is now (an active one, should it join). */
  public static Member of(Backend backend) {
    return new Member(backend.name(), backend.host(), backend.port(), backend.weight(),
        backend.zone(), AdminState.ACTIVE);
  }

  /** True when {@code backend} is at this member's address: it can be kept for it. */
  boolean sameAddress(Backend backend) {
    return backend.host().equals(host) && backend.port() == port;
  }

  /** True when {@code backend} already has this member's weight and zone. */
  boolean sameSettings(Backend backend) {
    return backend.weight() == weight && Objects.equals(backend.zone(), zone);
  }

  /** A new backend for this member. */
  Backend toBackend() {
    return new Backend(name, host, port, weight, zone);
  }
}
