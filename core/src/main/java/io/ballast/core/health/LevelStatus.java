package io.ballast.core.health;

import java.util.List;

/**
 * One level of one backend's checks as operators see it (in {@code /admin/backends}).
 *
 * <p>Immutable snapshot, replaced on the control loop after each result of the level.
 *
 * @param name the level's name
 * @param weight how much it counts in the passing share
 * @param critical whether its being down alone takes the backend out
 * @param up whether it is up after rise/fall damping
 * @param state the level in words ("up", "up, failing 1/3", "down", "down, rising 1/2")
 * @param history its last results, oldest first
 */
public record LevelStatus(String name, int weight, boolean critical, boolean up, String state,
    List<CheckRecord> history) {
  public LevelStatus {
    history = List.copyOf(history);
  }

  /** The most recent result, or null before the first. */
  public CheckRecord last() {
    return history.isEmpty() ? null : history.get(history.size() - 1);
  }
}
