package io.ballast.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.server.testing.TestBackend;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar as a real process: exit codes, signals, the demo, both JDKs. */
class BallastProcessIT {
  private static final Path JAR = Path.of(System.getProperty("ballast.jar", "target/ballast.jar"));
  private static final Path EXAMPLES =
      Path.of(System.getProperty("ballast.examples", "../examples"));
  private static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");

  private final List<Process> processes = new ArrayList<>();
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path tmp;

  @AfterEach
  void killLeftovers() {
    for (Process p : processes) {
      p.destroyForcibly();
    }
  }

  /** A started ballast process and the lines it printed so far. */
  private record Run(Process process, List<String> out, List<String> err, List<Thread> pumps) {
    String awaitLine(Pattern pattern) throws InterruptedException {
      List<String> all = new ArrayList<>();
      await().atMost(Duration.ofSeconds(60)).until(() -> {
        all.clear();
        all.addAll(out);
        all.addAll(err);
        return all.stream().anyMatch(l -> pattern.matcher(l).find()) || !process.isAlive();
      });
      if (!process.isAlive()) {
        // The process ended: read what it printed last before judging.
        for (Thread t : pumps) {
          t.join(10_000);
        }
        all.clear();
        all.addAll(out);
        all.addAll(err);
      }
      return all.stream().filter(l -> pattern.matcher(l).find()).findFirst()
          .orElseThrow(() -> new AssertionError("no line matching " + pattern + " in " + all
              + (process.isAlive() ? "" : " (exit code " + process.exitValue() + ")")));
    }
  }

  private Run start(Path java, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(java.toString()));
    if (java.equals(JDK25)) {
      cmd.addAll(List.of("--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"));
    }
    cmd.addAll(List.of("-Xmx256m", "-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).start();
    processes.add(p);
    List<String> out = new CopyOnWriteArrayList<>();
    List<String> err = new CopyOnWriteArrayList<>();
    return new Run(p, out, err,
        List.of(pump(p.getInputStream(), out), pump(p.getErrorStream(), err)));
  }

  private static Path defaultJava() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }

  private static Thread pump(java.io.InputStream in, List<String> lines) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
        }
      } catch (IOException ignored) {
        // the process ended
      }
    });
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static int exitCode(Run run) throws InterruptedException {
    assertThat(run.process().waitFor(60, TimeUnit.SECONDS)).as("process ended").isTrue();
    for (Thread t : run.pumps()) {
      t.join(10_000);
    }
    return run.process().exitValue();
  }

  @Test
  void checkAcceptsEveryShippedExample() throws Exception {
    List<Path> examples;
    try (Stream<Path> s = Files.list(EXAMPLES)) {
      examples = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(examples).isNotEmpty();
    for (Path example : examples) {
      Run run = start(defaultJava(), "check", "-c", example.toString());
      assertThat(exitCode(run)).as("check %s: %s", example, run.err()).isZero();
    }
  }

  @Test
  void checkListsEveryErrorWithItsLineAndExits2() throws Exception {
    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(bad, """
        listeners:
          - name: web
            bind: "127.0.0.1:8080"
            pool: missing
        pools:
          - name: app
            algorithm: fastest
            backends:
              - address: "127.0.0.1:9001"
                weight: -1
        """);
    Run run = start(defaultJava(), "check", "-c", bad.toString());
    assertThat(exitCode(run)).isEqualTo(2);
    String err = String.join("\n", run.err());
    assertThat(err)
        .contains("bad.yaml:4:")   // the listener's pool names nothing
        .contains("bad.yaml:7:")   // unknown algorithm
        .contains("bad.yaml:10:")  // negative weight
        .contains("round-robin");  // the accepted algorithm names are listed
  }

  @Test
  void versionAndHelpWork() throws Exception {
    Run version = start(defaultJava(), "version");
    assertThat(exitCode(version)).isZero();
    assertThat(version.out()).anyMatch(l -> l.startsWith("ballast "));
    for (String cmd : List.of("run", "check", "demo", "simulate", "version")) {
      Run help = start(defaultJava(), cmd, "--help");
      assertThat(exitCode(help)).as(cmd + " --help").isZero();
      assertThat(String.join("\n", help.out())).contains("Usage: ballast " + cmd);
    }
  }

  @Test
  void simulateRunsHeadlessFromTheJarOnJdk17And25() throws Exception {
    Path scenario = EXAMPLES.resolve("scenarios").resolve("partial-errors.yaml");
    List<Path> javas = new ArrayList<>(List.of(defaultJava()));
    if (Files.isExecutable(JDK25)) {
      javas.add(JDK25);
    }
    for (Path java : javas) {
      Path out = tmp.resolve("sim-" + javas.indexOf(java));
      Run run = start(java, "simulate", scenario.toString(), "--duration", "3s",
          "--out", out.toString());
      assertThat(exitCode(run)).as("%s: %s", java, run.err()).isZero();
      assertThat(run.out()).anyMatch(l -> l.startsWith("| peak-ewma |"));
      assertThat(out.resolve("table.md")).isRegularFile();
      assertThat(out.resolve("latency.png")).isRegularFile();
    }
  }

  @Test
  void sigtermLetsAnInFlightRequestFinishThenExitsZero() throws Exception {
    try (TestBackend backend = new TestBackend("slow")) {
      Path config = tmp.resolve("ballast.yaml");
      Files.writeString(config, """
          listeners:
            - name: web
              bind: "127.0.0.1:0"
              pool: app
          pools:
            - name: app
              backends:
                - address: "%s"
          admin:
            enabled: false
          timeouts:
            drain: 10s
          """.formatted(backend.address()));
      Run run = start(defaultJava(), "run", "-c", config.toString());
      int port = port(run.awaitLine(Pattern.compile("listener web on http://127\\.0\\.0\\.1:(\\d+)")));

      CompletableFuture<HttpResponse<String>> slow = client.sendAsync(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/slow?ms=1500")).build(),
          HttpResponse.BodyHandlers.ofString());
      await().atMost(Duration.ofSeconds(10)).until(() -> backend.requests() == 1);
      run.process().toHandle().destroy(); // SIGTERM; Process.destroy() would also close our pipes
      run.awaitLine(Pattern.compile("draining 1 in-flight request"));
      // The listener is closed while the slow request drains.
      await().atMost(Duration.ofSeconds(5)).until(() -> refused(port));
      HttpResponse<String> r = slow.get(20, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("slow");
      assertThat(exitCode(run)).isZero();
    }
  }

  @Test
  void sighupReloadsTheRoutesAndKeepsServing() throws Exception {
    try (TestBackend one = new TestBackend("one"); TestBackend two = new TestBackend("two")) {
      Path config = tmp.resolve("ballast.yaml");
      String yaml = """
          listeners:
            - name: web
              bind: "127.0.0.1:0"
              routes:
                - {name: main, pool: %s}
          pools:
            - {name: one, backends: [{address: "%s"}]}
            - {name: two, backends: [{address: "%s"}]}
          admin:
            enabled: false
          """;
      Files.writeString(config, yaml.formatted("one", one.address(), two.address()));
      Run run = start(defaultJava(), "run", "-c", config.toString(), "--no-watch");
      int port = port(run.awaitLine(Pattern.compile("listener web on http://127\\.0\\.0\\.1:(\\d+)")));
      URI uri = URI.create("http://127.0.0.1:" + port + "/");
      assertThat(client.send(HttpRequest.newBuilder(uri).build(),
          HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("one");

      // --no-watch: the new file is read on SIGHUP only.
      Files.writeString(config, yaml.formatted("two", one.address(), two.address()));
      Process hup = new ProcessBuilder("kill", "-HUP", Long.toString(run.process().pid())).start();
      assertThat(hup.waitFor(10, TimeUnit.SECONDS)).isTrue();
      run.awaitLine(Pattern.compile("config reloaded \\(signal\\): listener web: changed \\[main\\]"));
      assertThat(client.send(HttpRequest.newBuilder(uri).build(),
          HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("two");
      assertThat(run.process().isAlive()).isTrue();
      run.process().toHandle().destroy(); // SIGTERM
      assertThat(exitCode(run)).isZero();
    }
  }

  @Test
  void demoServesOnJdk17() throws Exception {
    demoServes(defaultJava());
  }

  @Test
  void demoServesOnJdk25() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(JDK25), "JDK 25 not installed at " + JDK25);
    demoServes(JDK25);
  }

  private void demoServes(Path java) throws Exception {
    Run run = start(java, "demo", "--port", "0", "--admin-port", "0", "--https-port", "0");
    int port = port(run.awaitLine(Pattern.compile("proxy: +http://127\\.0\\.0\\.1:(\\d+)/")));
    Matcher https = Pattern.compile("https: +https://localhost:(\\d+)/ .*--cacert (\\S+) ")
        .matcher(run.awaitLine(Pattern.compile("https: +https://localhost:")));
    assertThat(https.find()).isTrue();
    Path cert = Path.of(https.group(2));
    int admin = port(run.awaitLine(Pattern.compile("admin: +http://127\\.0\\.0\\.1:(\\d+)/")));
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = client.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).startsWith("hello from demo-");
    }
    // The HTTPS listener, with the self-signed certificate the demo made and printed.
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (var in = Files.newInputStream(cert)) {
      trust.setCertificateEntry("demo", CertificateFactory.getInstance("X.509")
          .generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(
        TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    HttpResponse<String> secure = HttpClient.newBuilder().sslContext(ssl).build().send(
        HttpRequest.newBuilder(URI.create("https://localhost:" + https.group(1) + "/hello"))
            .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(secure.statusCode()).isEqualTo(200);
    assertThat(secure.body()).startsWith("hello from demo-");
    String metrics = client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics).contains("lb_requests_total{");
    assertThat(run.err()).noneMatch(l -> l.contains("WARNING") && l.contains("Unsafe"));
    run.process().toHandle().destroy(); // SIGTERM
    assertThat(exitCode(run)).isZero();
    assertThat(run.err()).anyMatch(l -> l.contains("SIGTERM received"));
    assertThat(cert).as("the demo's key and certificate are deleted at exit").doesNotExist();
  }

  private static int port(String line) {
    Matcher m = Pattern.compile(":(\\d+)").matcher(line.substring(line.indexOf("http://")));
    assertThat(m.find()).isTrue();
    return Integer.parseInt(m.group(1));
  }

  private static boolean refused(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
