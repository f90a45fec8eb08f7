package io.ballast.core.health;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One level of a backend's active health checks (for example l4, l7, app, deep) as the verdict
 * sees it: its name, how much it counts, whether failing it alone takes the backend out, and the
 * rise/fall damping of its results. How the level probes (TCP, HTTP, interval, timeout) is the
 * data plane's business; core only receives its results.
 *
 * <p>Immutable.
 *
 * @param name unique within a pool's levels: lowercase letters, digits, '-' and '_'
 * @param weight how much the level counts in the passing share, 1..{@value #MAX_WEIGHT}
 * @param critical when true, this level being down makes the backend UNHEALTHY whatever the
 *     other levels say (an L4 check: if the port is closed, nothing else matters)
 * @param rise passing results in a row that bring the level up again, >= 1
 * @param fall failing results in a row that take the level down, >= 1
 */
public record HealthLevel(String name, int weight, boolean critical, int rise, int fall) {
  public static final int MAX_WEIGHT = 1000;
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

  public HealthLevel {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("name: '" + name
          + "' (expected: lowercase letters, digits, '-' and '_', at most 63 characters)");
    }
    if (weight < 1 || weight > MAX_WEIGHT) {
      throw new IllegalArgumentException(
          "weight: " + weight + " (expected: 1.." + MAX_WEIGHT + ")");
    }
    if (rise < 1) {
      throw new IllegalArgumentException("rise: " + rise + " (expected: >= 1)");
    }
    if (fall < 1) {
      throw new IllegalArgumentException("fall: " + fall + " (expected: >= 1)");
    }
  }
}
