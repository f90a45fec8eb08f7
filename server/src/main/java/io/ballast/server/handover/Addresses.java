package io.ballast.server.handover;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** Socket addresses as the handover writes and reads them: {@code 1.2.3.4:80}, {@code [::]:80}. */
final class Addresses {
  private Addresses() {}

  static String text(InetSocketAddress a) {
    String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  /** Parses what {@link #text} wrote; literal addresses only, so nothing is looked up. */
  static InetSocketAddress parse(String s) throws HandoverException {
    int colon = s.lastIndexOf(':');
    if (colon <= 0) {
      throw new HandoverException("address '" + s + "' (expected: host:port)");
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (!host.matches("[0-9a-fA-F.:]+")) {
      throw new HandoverException("address '" + s + "' (expected: a literal IP address)");
    }
    try {
      return new InetSocketAddress(InetAddress.getByName(host),
          Integer.parseInt(s.substring(colon + 1)));
    } catch (UnknownHostException | IllegalArgumentException e) {
      throw new HandoverException("address '" + s + "': " + e.getMessage());
    }
  }
}
