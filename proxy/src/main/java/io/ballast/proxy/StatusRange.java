package io.ballast.proxy;

/**
 * An inclusive range of HTTP status codes, such as 200-399.
 *
 * <p>Immutable.
 */
public record StatusRange(int from, int to) {
  public StatusRange {
    if (from < 100 || from > 599) {
      throw new IllegalArgumentException("from: " + from + " (expected: 100..599)");
    }
    if (to < from || to > 599) {
      throw new IllegalArgumentException("to: " + to + " (expected: " + from + "..599)");
    }
  }

  public boolean contains(int status) {
    return status >= from && status <= to;
  }

  @Override
  public String toString() {
    return from == to ? Integer.toString(from) : from + "-" + to;
  }
}
