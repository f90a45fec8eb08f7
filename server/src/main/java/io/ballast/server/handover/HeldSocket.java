package io.ballast.server.handover;

import io.netty.channel.unix.FileDescriptor;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A listening socket one ballast process holds and may hand to another: which listener it is
 * ({@code kind} and {@code name}), where it listens, and this process's descriptor of it.
 *
 * @param kind a proxy listener or the admin listener
 * @param name the listener's name ({@code admin} for the admin listener)
 * @param address where the socket listens, as the kernel says (getsockname)
 * @param fd this process's file descriptor of the socket
 */
public record HeldSocket(Kind kind, String name, InetSocketAddress address, FileDescriptor fd) {
  /** Which listener a socket belongs to; its wire name is the lower-case constant name. */
  public enum Kind {
    PROXY, ADMIN;

    String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    static Kind ofWire(String s) throws HandoverException {
      for (Kind k : values()) {
        if (k.wire().equals(s)) {
          return k;
        }
      }
      throw new HandoverException("unknown socket kind '" + s + "' (expected: proxy or admin)");
    }
  }

  public HeldSocket {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(address, "address");
  }

  @Override
  public String toString() {
    String what = kind == Kind.ADMIN ? "admin" : "listener " + name;
    return what + " " + Addresses.text(address);
  }
}
