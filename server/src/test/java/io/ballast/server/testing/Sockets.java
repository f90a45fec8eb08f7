package io.ballast.server.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;

/** Raw client connections for tests on loopback, and what a client sees when it is let go. */
public final class Sockets {
  private Sockets() {}

  /**
   * A connection to 127.0.0.1:{@code port} from the loopback address {@code from} (127.0.0.x),
   * without Nagle's delay; reads time out after 5 s.
   */
  public static Socket connect(String from, int port) throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.bind(new InetSocketAddress(from, 0));
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    s.setSoTimeout(5000);
    return s;
  }

  /** True when the peer closed (or reset) the connection rather than sent a byte. */
  public static boolean closed(Socket s) throws IOException {
    try {
      return s.getInputStream().read() < 0;
    } catch (SocketException e) {
      return true;
    }
  }
}
