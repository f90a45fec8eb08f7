package io.ballast.server;

import io.ballast.server.cli.BallastCommand;

/** The {@code ballast} command line. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // Netty's fast direct buffers on JDK 17 need this before any Netty class loads; the jar's
    // manifest opens java.nio and jdk.internal.misc to go with it.
    System.setProperty("io.netty.tryReflectionSetAccessible", "true");
    // Netty's leak detector samples one buffer in 128 and records a stack trace for it, and
    // marks every message at every handler it passes: 2 to 3 % of the event loop's CPU per
    // proxied request in bench/http-rr.sh. The tests run with it at "paranoid"; a deployment
    // that wants it sets -Dio.netty.leakDetection.level=simple (docs/operations.md).
    if (System.getProperty("io.netty.leakDetection.level") == null
        && System.getProperty("io.netty.leakDetectionLevel") == null) {
      System.setProperty("io.netty.leakDetection.level", "disabled");
    }
    // run and demo return only once the balancer has stopped (signal, drain, close).
    System.exit(BallastCommand.commandLine().execute(args));
  }
}
