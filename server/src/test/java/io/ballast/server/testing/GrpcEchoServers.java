package io.ballast.server.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Cleartext {@link GrpcTestServer}s as a standalone process, for the gRPC benchmark
 * ({@code bench/http-rr.sh} with {@code GRPC=1}): one JVM serving one port per argument, the
 * servers named b1, b2, ... in argument order (the name comes back in {@value GrpcEcho#SERVED_BY}).
 * Prints {@code listening b1 127.0.0.1:PORT} per server, then runs until killed.
 *
 * <pre>{@code
 * java -cp server/target/test-classes:server/target/classes:<test classpath> \
 *     io.ballast.server.testing.GrpcEchoServers 20001 20002 20003
 * }</pre>
 */
public final class GrpcEchoServers {
  private GrpcEchoServers() {
  }

  public static void main(String[] args) throws IOException, InterruptedException {
    if (args.length == 0) {
      System.err.println("usage: GrpcEchoServers PORT... (expected: one or more ports)");
      System.exit(2);
    }
    List<GrpcTestServer> servers = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      int port = Integer.parseInt(args[i]);
      GrpcTestServer s = GrpcTestServer.builder("b" + (i + 1)).port(port).start();
      servers.add(s);
      System.out.println("listening " + s.name() + " " + s.address());
    }
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> servers.forEach(GrpcTestServer::close)));
    new CountDownLatch(1).await();
  }
}
