package io.ballast.core.signal;

import java.util.Map;
import java.util.Objects;

/**
 * One parsed agent reply. Immutable.
 *
 * @param weightPercent the weight asked for in percent of the configured weight ("75%"), 0 to
 *     {@link AgentReplyFormat#MAX_PERCENT}, or -1 when the reply names none
 * @param admin the administrative word: {@link AgentCommand#READY}, {@link AgentCommand#DRAIN},
 *     {@link AgentCommand#MAINT}, or {@link AgentCommand#NONE}
 * @param health the operational word: {@link AgentCommand#UP}, {@link AgentCommand#DOWN} ("down",
 *     "fail" and "stopped"), or {@link AgentCommand#NONE}
 * @param figures utilization figures of our extension ({@code cpu=0.80}); copied
 */
public record AgentReply(int weightPercent, AgentCommand admin, AgentCommand health,
    Map<String, Double> figures) {
  public AgentReply {
    Objects.requireNonNull(admin, "admin");
    Objects.requireNonNull(health, "health");
    figures = Map.copyOf(figures);
    if (admin != AgentCommand.NONE && admin != AgentCommand.READY && admin != AgentCommand.DRAIN
        && admin != AgentCommand.MAINT) {
      throw new IllegalArgumentException("admin: " + admin + " (expected: READY, DRAIN, MAINT or NONE)");
    }
    if (health != AgentCommand.NONE && health != AgentCommand.UP && health != AgentCommand.DOWN) {
      throw new IllegalArgumentException("health: " + health + " (expected: UP, DOWN or NONE)");
    }
    if (weightPercent < -1 || weightPercent > AgentReplyFormat.MAX_PERCENT) {
      throw new IllegalArgumentException("weightPercent: " + weightPercent
          + " (expected: 0.." + AgentReplyFormat.MAX_PERCENT + ", or -1 for none)");
    }
  }

  /**
   * The reply as a report of source {@link SignalSource#AGENT}. Its single command is the one
   * that weighs most for whoever reads it: DOWN, else the admin word, else UP.
   */
  public LoadReport toReport(long atNanos) {
    AgentCommand command = health == AgentCommand.DOWN ? AgentCommand.DOWN
        : admin != AgentCommand.NONE ? admin : health;
    return new LoadReport(SignalSource.AGENT, atNanos, figures, weightPercent, command);
  }
}
