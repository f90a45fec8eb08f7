package io.ballast.server.admin;

import java.util.function.BooleanSupplier;

/**
 * Whether the process should receive traffic: ready once the proxy listeners are bound, and not
 * ready again from the moment draining starts (so that an orchestrator takes the instance out of
 * rotation before its listeners close).
 *
 * <p>Threading: thread-safe; the state is two volatile flags.
 */
public final class Readiness implements BooleanSupplier {
  private volatile boolean bound;
  private volatile boolean draining;

  /** The proxy listeners are bound and accepting. */
  public void listenersBound() {
    bound = true;
  }

  /** Shutdown began: report not ready from now on. */
  public void draining() {
    draining = true;
  }

  /** True while the listeners are bound and the process is not draining. */
  @Override
  public boolean getAsBoolean() {
    return bound && !draining;
  }

  @Override
  public String toString() {
    return draining ? "draining" : bound ? "ready" : "starting";
  }
}
