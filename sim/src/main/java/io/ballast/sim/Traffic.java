package io.ballast.sim;

import java.util.List;

/**
 * What a pool's {@link ScenarioEvents} act on: the client requests, the backends' timelines, the
 * health checks and the weights the charts show. Two implementations: {@link RequestDriver}, the
 * real core balancer's request path, and {@link OracleDispatcher}, the reference that is told
 * the truth. Backends are numbered in scenario order.
 *
 * <p>Single-threaded: called on the simulation thread, from events of the pool's
 * {@link VirtualScheduler}.
 */
interface Traffic {
  /** A client request arrives now. */
  void arrive();

  /**
   * The timeline changed {@code model} now (slow-down, error rate, slots, death or revival);
   * {@code reset} holds the attempts its death reset (in service or queued), empty otherwise.
   */
  void changed(SimBackend model, List<SimAttempt> reset);

  /** An active health check of backend {@code backend} found it alive, or not. */
  void checked(int backend, boolean alive);

  /** Backend {@code backend}'s weight now, in any unit: the charts show it as a share. */
  double weight(int backend);

  /** Its weight as a percentage of the configured one (100 unless something changed it). */
  int weightPercent(int backend);

  /** Whether a request is still in flight. */
  boolean inFlight();

  /** Records the requests still in flight as unfinished, with their age now; at the run's end. */
  void recordUnfinished();
}
