package io.ballast.proxy.discovery;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.LoggerFactory;

/**
 * A real DNS server for tests: dnsmasq as a child process on a free port of 127.0.0.1, answering
 * for {@value #DOMAIN} from the hosts files of a directory (re-read on every change) and from
 * {@code --srv-host} and {@code --cname} lines; every other name is refused. Stopped by its own
 * process handle, never by name.
 *
 * <p>Not thread-safe: one test drives it.
 */
public final class Dnsmasq implements AutoCloseable {
  public static final String DOMAIN = "ballast.test";

  private final Path dir;
  private final Path hostsDir;
  private final List<String> records;
  private final int localTtl;
  private final Path log;
  private int port;
  private Process process;

  private Dnsmasq(Path dir, int localTtl, List<String> records) throws IOException {
    this.dir = dir;
    this.hostsDir = Files.createDirectories(dir.resolve("hosts.d"));
    this.localTtl = localTtl;
    this.records = List.copyOf(records);
    this.log = dir.resolve("dnsmasq.log");
  }

  /**
   * Skips the calling test class when dnsmasq is not installed, with a message saying so; under
   * CI (CI=true) fails instead, since .ci/run installs it and a skip there would hide the tests.
   */
  public static void assumeInstalled() {
    if (executable() != null) {
      return;
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail("dnsmasq is not installed, and under CI the DNS discovery tests must run"
          + " (.ci/run installs it: apt-get install dnsmasq)");
    }
    String why = "dnsmasq is not installed: DNS discovery tests skipped"
        + " (apt-get install dnsmasq to run them)";
    // Surefire's summary shows only a count of skipped tests: say why where it is seen.
    LoggerFactory.getLogger(Dnsmasq.class).warn(why);
    Assumptions.abort(why);
  }

  /**
   * Starts dnsmasq with records of TTL {@code localTtl} seconds; {@code records} are extra options
   * such as {@code --srv-host=_http._tcp.svc.ballast.test,t1.ballast.test,8081,10,5}.
   */
  public static Dnsmasq start(Path dir, int localTtl, String... records) throws IOException {
    Dnsmasq d = new Dnsmasq(dir, localTtl, List.of(records));
    IOException last = null;
    for (int i = 0; i < 5; i++) {
      d.port = freePort();
      try {
        d.launch();
        return d;
      } catch (IOException e) {
        // Most likely the port was taken between the probe and the bind: try another.
        last = e;
      }
    }
    throw last;
  }

  public int port() {
    return port;
  }

  public InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  /**
   * Replaces (or, with no lines, deletes) one hosts file of the watched directory. Written beside
   * the directory and moved in, so that dnsmasq never reads half a file.
   */
  public void hosts(String file, String... lines) throws IOException {
    Path target = hostsDir.resolve(file);
    if (lines.length == 0) {
      Files.deleteIfExists(target);
      return;
    }
    Path tmp = dir.resolve(file + ".tmp");
    Files.writeString(tmp, String.join("\n", lines) + "\n", StandardCharsets.US_ASCII);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and waits for it. */
  public void stop() {
    if (process == null) {
      return;
    }
    Process p = process;
    process = null;
    p.destroy();
    try {
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Starts it again on the same port, with the same records and hosts directory. */
  public void restart() throws IOException {
    stop();
    launch();
  }

  @Override
  public void close() {
    stop();
  }

  private void launch() throws IOException {
    List<String> cmd = new ArrayList<>(List.of(executable(),
        // -d: no fork, no pid file, no change of user (the temp directory stays readable), no
        // forked TCP handlers: the process we started is the only one.
        "--no-daemon", "--keep-in-foreground", "--log-facility=-",
        "--port=" + port, "--listen-address=127.0.0.1", "--bind-interfaces",
        "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
        // Names under the test domain that no file lists are NXDOMAIN, not REFUSED.
        "--local=/" + DOMAIN + "/",
        "--hostsdir=" + hostsDir, "--local-ttl=" + localTtl));
    cmd.addAll(records);
    process = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        process = null;
        throw new IOException("dnsmasq exited at start: " + Files.readString(log));
      }
      if (answers()) {
        return;
      }
    }
    stop();
    throw new IOException("dnsmasq did not answer on port " + port + " within 5 s: "
        + Files.readString(log));
  }

  /** True when a query for ready.ballast.test gets any answer within 100 ms. */
  private boolean answers() throws IOException {
    byte[] query = query("ready." + DOMAIN);
    try (DatagramSocket s = new DatagramSocket()) {
      s.setSoTimeout(100);
      s.send(new DatagramPacket(query, query.length, address()));
      s.receive(new DatagramPacket(new byte[512], 512));
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  /** A minimal DNS query (RFC 1035 4.1): header with one question, A, IN. */
  private static byte[] query(String name) {
    byte[] header = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes(header);
    for (String label : name.split("\\.")) {
      out.write(label.length());
      out.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
    }
    out.writeBytes(new byte[] {0, 0, 1, 0, 1});
    return out.toByteArray();
  }

  /** A port free for both TCP and UDP on 127.0.0.1 at the time of asking. */
  private static int freePort() throws IOException {
    InetAddress lo = InetAddress.getLoopbackAddress();
    for (int i = 0; i < 20; i++) {
      try (ServerSocket tcp = new ServerSocket(0, 1, lo)) {
        int p = tcp.getLocalPort();
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(lo, p))) {
          return udp.getLocalPort();
        } catch (IOException e) {
          // UDP side taken: next.
        }
      }
    }
    throw new IOException("no port free for both TCP and UDP on 127.0.0.1");
  }

  /** dnsmasq on PATH, or in /usr/sbin or /sbin (not on every user's PATH); null if none. */
  static String executable() {
    List<String> dirs = new ArrayList<>(List.of(
        System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
    dirs.add("/usr/sbin");
    dirs.add("/sbin");
    for (String d : dirs) {
      if (!d.isEmpty()) {
        File f = new File(d, "dnsmasq");
        if (f.canExecute()) {
          return f.getPath();
        }
      }
    }
    return null;
  }
}
