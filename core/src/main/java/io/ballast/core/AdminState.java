package io.ballast.core;

/** The operator's wish for one backend, independent of its health. */
public enum AdminState {
  /** Takes traffic when healthy. */
  ACTIVE,
  /** Takes no new requests; in-flight ones finish. */
  DRAINING,
  /** Out of service: no new requests, health checks keep running. */
  MAINTENANCE
}
