package io.ballast.server.cli;

import io.ballast.server.Ballast;
import io.ballast.server.config.BallastConfig;
import io.ballast.server.config.ConfigLoader;
import io.ballast.proxy.tls.SelfSignedCertificate;
import io.ballast.server.demo.DemoBackends;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ballast demo}: the balancer on an embedded configuration with three built-in backends of
 * different speeds, no other setup. The configuration goes through the same loader as a file.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Start the balancer with three built-in demo backends (fast, medium, slow).",
        "Prints the proxy URL, the admin URL and a curl line to try. Ctrl-C stops it."})
public final class DemoCommand implements Callable<Integer> {
  @Option(names = "--port", defaultValue = "8080", paramLabel = "PORT",
      description = "Proxy port on 127.0.0.1 (0 = any free port; default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--https-port", defaultValue = "8443", paramLabel = "PORT",
      description = "HTTPS port on 127.0.0.1, self-signed certificate (0 = any free port;"
          + " default: ${DEFAULT-VALUE}).")
  int httpsPort;

  @Option(names = "--admin-port", defaultValue = "9901", paramLabel = "PORT",
      description = "Admin port on 127.0.0.1 (0 = any free port; default: ${DEFAULT-VALUE}).")
  int adminPort;

  @Option(names = "--print-config",
      description = "Print the demo configuration (with this run's ports) and exit.")
  boolean printConfig;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path certDir = Files.createTempDirectory("ballast-demo-tls");
    try (DemoBackends backends = DemoBackends.start(DemoBackends.DEFAULT)) {
      SelfSignedCertificate.Written tls =
          SelfSignedCertificate.make("localhost", 30).write(certDir);
      String yaml = demoConfig(backends, port, httpsPort, adminPort, tls);
      if (printConfig) {
        out.print(yaml);
        out.flush();
        return 0;
      }
      BallastConfig config =
          CheckCommand.report(ConfigLoader.parse(yaml, "demo.yaml"), spec.commandLine().getErr());
      if (config == null) {
        return BallastCommand.EXIT_INVALID;
      }
      SignalShutdown signals = SignalShutdown.install();
      Ballast ballast = Ballast.start(config, 0);
      signals.started(ballast);
      InetSocketAddress proxy = ballast.proxyAddresses().get(0);
      InetSocketAddress https = ballast.proxyAddresses().get(1);
      InetSocketAddress admin = ballast.adminAddress();
      String proxyUrl = "http://127.0.0.1:" + proxy.getPort() + "/";
      out.println();
      out.println("ballast demo is running.");
      out.println("  proxy:   " + proxyUrl);
      out.println("  https:   https://localhost:" + https.getPort() + "/  (self-signed: curl --cacert "
          + tls.cert() + " https://localhost:" + https.getPort() + "/)");
      out.println("  admin:   http://127.0.0.1:" + admin.getPort() + "/metrics  (also /admin/backends, /healthz, /readyz)");
      out.println("  backends: " + backends.running().stream()
          .map(r -> r.spec().name() + " ~" + r.spec().meanMillis() + " ms at " + r.address().getPort())
          .collect(Collectors.joining(", ")));
      out.println("  try:     for i in $(seq 10); do curl -s " + proxyUrl + "; done");
      out.println("  http/2:  curl -s --http2-prior-knowledge " + proxyUrl
          + "  (HTTPS gives h2 by ALPN: curl --http2 --cacert ...)");
      out.println("  Ctrl-C stops it (in-flight requests finish first).");
      out.println();
      out.flush();
      ballast.awaitStopped();
      return 0;
    } finally {
      deleteTree(certDir);
    }
  }

  private static void deleteTree(Path dir) {
    try (var files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(p);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // A temporary directory left behind is harmless.
    }
  }

  static String demoConfig(DemoBackends backends, int port, int httpsPort, int adminPort,
      SelfSignedCertificate.Written tls) {
    String backendsYaml = backends.running().stream()
        .map(r -> "      - name: " + r.spec().name() + "\n"
            + "        address: \"127.0.0.1:" + r.address().getPort() + "\"")
        .collect(Collectors.joining("\n"));
    return template()
        .replace("${PROXY_PORT}", Integer.toString(port))
        .replace("${HTTPS_PORT}", Integer.toString(httpsPort))
        .replace("${TLS_CERT}", tls.cert().toString())
        .replace("${TLS_KEY}", tls.key().toString())
        .replace("${ADMIN_PORT}", Integer.toString(adminPort))
        .replace("${BACKENDS}", backendsYaml);
  }

  private static String template() {
    try (InputStream in = DemoCommand.class.getResourceAsStream("/demo.yaml")) {
      if (in == null) {
        throw new IllegalStateException("demo.yaml is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
