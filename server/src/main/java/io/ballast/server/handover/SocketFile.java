package io.ballast.server.handover;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The handover socket's file: a stale one (left by a ballast that was killed) is removed before
 * binding, a live one (another ballast serves there) is refused, and a bound one is made 0600.
 * Stateless.
 */
final class SocketFile {
  private SocketFile() {}

  /**
   * Makes {@code path} free to bind.
   *
   * @throws HandoverException when a process answers there
   */
  static void prepare(Path path) throws HandoverException {
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(path));
      throw new HandoverException("a process serves handovers on " + path + " already; take"
          + " it over with --take-over " + path + ", or stop it first");
    } catch (IOException refused) {
      // Nobody listens: the file outlived its process.
    }
    try {
      Files.delete(path);
    } catch (IOException e) {
      throw new HandoverException("cannot remove the stale socket file " + path + ": " + e);
    }
  }

  /** Only this user may connect (the peer's uid is checked too). */
  static void restrict(Path path) throws HandoverException {
    try {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException | UnsupportedOperationException e) {
      throw new HandoverException("cannot make " + path + " mode 0600: " + e);
    }
  }
}
