package io.ballast.server.handover;

import io.netty.channel.unix.PeerCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Only a process of the same user takes part in a handover: the listening sockets carry the
 * service's ports, and its admin token's listener. The socket file's mode (0600) keeps others
 * out already; this checks the peer's credentials from the kernel (SO_PEERCRED) as well, which
 * no file mode race or a directory with loose permissions can fool. Stateless.
 */
final class SameUser {
  private SameUser() {}

  /** Returns the peer's pid when it runs as this process's user. */
  static long check(PeerCredentials peer, String who) throws HandoverException {
    int own = ownUid();
    if (peer.uid() != own) {
      throw new HandoverException(who + " (pid " + peer.pid() + ") runs as uid " + peer.uid()
          + ", this ballast as uid " + own + ": refused");
    }
    return peer.pid();
  }

  private static int ownUid() throws HandoverException {
    try {
      // The JDK has no getuid(); the owner of /proc/self is this process's effective user.
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException | UnsupportedOperationException e) {
      throw new HandoverException("cannot tell this process's uid: " + e);
    }
  }
}
