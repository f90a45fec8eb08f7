package io.ballast.server.config;

import io.ballast.proxy.client.AccessList;
import java.nio.file.Path;
import java.util.List;

/**
 * A listener's or a route's {@code access} block, read ({@link AccessReader}). Immutable.
 *
 * @param list which client addresses are served, or null when the block's files hold no entry
 *     yet (every address is served then)
 * @param files the entry files it was read from, absolute; a change to one reloads
 */
public record AccessConfig(AccessList list, List<Path> files) {
  public AccessConfig {
    files = List.copyOf(files);
  }
}
