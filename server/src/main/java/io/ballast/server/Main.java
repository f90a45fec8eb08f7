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
    if (System.getProperty("io.netty.leakDetectionLevel") == null) {
      defaultProperty("io.netty.leakDetection.level", "disabled");
    }
    // Netty's recycler keeps the objects an event loop frees (buffers, outbound entries) in a
    // stack of 32 and sends the rest through a queue built for other threads; one write of many
    // HTTP/2 responses frees far more than 32 at once, and the queue's atomics were about 2 % of
    // the event loop's CPU under h2load. A stack of 1024 per kind keeps them on the fast path
    // (docs/benchmarks.md, "Netty's recycler").
    defaultProperty("io.netty.recycler.chunkSize", "1024");
    // run and demo return only once the balancer has stopped (signal, drain, close).
    System.exit(BallastCommand.commandLine().execute(args));
  }

  /** Sets a system property the user did not set (with -D or BALLAST_JAVA_OPTS). */
  private static void defaultProperty(String name, String value) {
    if (System.getProperty(name) == null) {
      System.setProperty(name, value);
    }
  }
}
