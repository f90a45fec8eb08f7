package io.ballast.server.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The bind addresses of one file (listeners, then admin), to catch two sockets on one port
 * before anything is bound. Not thread-safe: one load at a time.
 */
final class Binds {
  private final Problems problems;
  private final List<Bind> binds = new ArrayList<>();

  private record Bind(HostPort address, Mark mark, String owner) {}

  Binds(Problems problems) {
    this.problems = problems;
  }

  /** Reports {@code bind} when an earlier one takes its port; remembers it otherwise. */
  void check(HostPort bind, Mark at, String path, String owner) {
    if (bind.port() == 0) {
      return; // Every port-0 socket gets its own free port.
    }
    for (Bind other : binds) {
      if (other.address().port() != bind.port()) {
        continue;
      }
      boolean sameHost = other.address().host().equalsIgnoreCase(bind.host());
      if (sameHost || other.address().isWildcard() || bind.isWildcard()) {
        // A wildcard bind takes the port on every address, so it clashes with any other bind.
        problems.error(at, path, "'" + bind + "' " + (sameHost ? "is also the bind of " : "overlaps the bind '"
            + other.address() + "' of ") + other.owner() + " at " + other.mark()
            + " (expected: a different address or port)");
        return;
      }
    }
    binds.add(new Bind(bind, at, owner));
  }
}
