package io.ballast.server.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.LoggerFactory;

/**
 * The programs the deployment tests run: Node.js with the packages of deploy/test-tools (npm ci
 * --ignore-scripts), ShellCheck and systemd-analyze from Debian. {@code .ci/run} installs what is
 * missing; here a missing one skips its test with the reason, and under CI=true fails it, since a
 * skip there would hide the check.
 */
final class Tools {
  /** Maven runs the tests from the module directory: the repository is one level up. */
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path TEST_TOOLS = ROOT.resolve("deploy/test-tools");

  private Tools() {}

  /** What a command printed (stdout and stderr together) and its exit code. */
  record Result(int exit, String output) {}

  /** Runs {@code command} in {@code dir}, with extra environment, for at most 60 s. */
  static Result run(Path dir, Map<String, String> env, List<String> command)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
        .redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(command + " did not finish in 60 s");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  static Result run(List<String> command) throws IOException, InterruptedException {
    return run(ROOT, Map.of(), command);
  }

  /** The path of {@code name} on PATH (or in /usr/bin, /usr/sbin), or null. */
  static Path onPath(String name) {
    List<Path> dirs = new ArrayList<>();
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!d.isEmpty()) {
        dirs.add(Path.of(d));
      }
    }
    dirs.add(Path.of("/usr/bin"));
    dirs.add(Path.of("/usr/sbin"));
    for (Path d : dirs) {
      Path p = d.resolve(name);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /** Node.js, once deploy/test-tools has its packages; skips or fails (CI) otherwise. */
  static Path node() {
    Path node = onPath("node");
    require(node != null, "node is not installed",
        "apt-get install nodejs npm");
    require(Files.isDirectory(TEST_TOOLS.resolve("node_modules/kubernetes-models"))
            && Files.isDirectory(TEST_TOOLS.resolve("node_modules/dockerlinter"))
            && Files.isDirectory(TEST_TOOLS.resolve("node_modules/dockerfile-utils"))
            && Files.isDirectory(TEST_TOOLS.resolve("node_modules/typescript")),
        "deploy/test-tools has no node_modules",
        "npm ci --ignore-scripts --prefix deploy/test-tools");
    return node;
  }

  /** A program from Debian's packages; skips or fails (CI) when it is missing. */
  static Path debian(String program, String pkg) {
    Path p = onPath(program);
    require(p != null, program + " is not installed", "apt-get install " + pkg);
    return p;
  }

  private static void require(boolean present, String what, String install) {
    if (present) {
      return;
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(what + ", and under CI the deployment tests must run (.ci/run does: " + install + ")");
    }
    String why = what + ": deployment test skipped (" + install + " to run it)";
    // Surefire's summary shows only a count of skipped tests: say why where it is seen.
    LoggerFactory.getLogger(Tools.class).warn(why);
    Assumptions.abort(why);
  }
}
