package io.ballast.core.signal;

/**
 * The state word an agent may answer with (HAProxy's agent-check vocabulary). {@link #NONE} when
 * the report says nothing about state.
 */
public enum AgentCommand {
  NONE,
  /** Back to active: ends a drain or maintenance the agent asked for. */
  READY,
  /** Take no new sessions but finish the current ones. */
  DRAIN,
  /** Maintenance: take nothing. */
  MAINT,
  /** The agent says the backend is up. */
  UP,
  /** The agent says the backend is down (as "fail" and "stopped"). */
  DOWN
}
