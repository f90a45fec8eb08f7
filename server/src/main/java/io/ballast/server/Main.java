package io.ballast.server;

import io.ballast.server.cli.BallastCommand;

/** The {@code ballast} command line. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // Netty's fast direct buffers on JDK 17 need this before any Netty class loads; the jar's
    // manifest opens java.nio and jdk.internal.misc to go with it.
    System.setProperty("io.netty.tryReflectionSetAccessible", "true");
    // run and demo return only once the balancer has stopped (signal, drain, close).
    System.exit(BallastCommand.commandLine().execute(args));
  }
}
