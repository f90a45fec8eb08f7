package io.ballast.server.handover;

import java.net.InetSocketAddress;

/**
 * The lines of the handover conversation (see the package description for their order). One
 * line per message, UTF-8, at most {@link #MAX_LINE} bytes; a peer that says something else is
 * answered by closing the conversation. Stateless.
 */
final class Wire {
  static final String VERSION = "ballast-handover/1";
  static final int MAX_LINE = 4096;
  static final String SEND = "SEND";
  static final String RELEASED = "RELEASED";

  private Wire() {}

  /** What the old process said about one socket before sending its descriptor. */
  record Offer(HeldSocket.Kind kind, InetSocketAddress address, String name) {}

  static String hello(long pid) {
    return "HELLO " + VERSION + " " + pid;
  }

  /** The new process's pid from its HELLO; refuses another protocol version. */
  static long parseHello(String line) throws HandoverException {
    String[] p = line.split(" ");
    if (p.length != 3 || !p[0].equals("HELLO")) {
      throw new HandoverException("expected HELLO, got '" + line + "'");
    }
    if (!p[1].equals(VERSION)) {
      throw new HandoverException("peer speaks " + p[1] + ", this ballast " + VERSION);
    }
    return number(p[2], line);
  }

  static String sockets(int n) {
    return "SOCKETS " + n;
  }

  static String refused(String why) {
    return "REFUSED " + why;
  }

  /** How many sockets follow; a REFUSED line becomes the exception's message. */
  static int parseSockets(String line) throws HandoverException {
    if (line.startsWith("REFUSED ")) {
      throw new HandoverException("the running ballast refused: " + line.substring(8));
    }
    if (!line.startsWith("SOCKETS ")) {
      throw new HandoverException("expected SOCKETS, got '" + line + "'");
    }
    return (int) number(line.substring(8), line);
  }

  static String socket(HeldSocket s) {
    return "SOCKET " + s.kind().wire() + " " + Addresses.text(s.address()) + " " + s.name();
  }

  static Offer parseSocket(String line) throws HandoverException {
    String[] p = line.split(" ", 4);
    if (p.length != 4 || !p[0].equals("SOCKET")) {
      throw new HandoverException("expected SOCKET, got '" + line + "'");
    }
    return new Offer(HeldSocket.Kind.ofWire(p[1]), Addresses.parse(p[2]), p[3]);
  }

  static String serving(long pid) {
    return "SERVING " + pid;
  }

  static String abort(String why) {
    // One line: a reason never carries the conversation's line breaks.
    return "ABORT " + why.replace('\n', ' ').replace('\r', ' ');
  }

  /**
   * Reads the new process's verdict: true for SERVING; an ABORT becomes the exception's message.
   */
  static boolean parseVerdict(String line) throws HandoverException {
    if (line.startsWith("SERVING ")) {
      return true;
    }
    if (line.startsWith("ABORT ")) {
      throw new HandoverException("it failed to start: " + line.substring(6));
    }
    throw new HandoverException("expected SERVING or ABORT, got '" + line + "'");
  }

  private static long number(String s, String line) throws HandoverException {
    try {
      long n = Long.parseLong(s.trim());
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new HandoverException("not a count or pid in '" + line + "'");
    }
  }
}
