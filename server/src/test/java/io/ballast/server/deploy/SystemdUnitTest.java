package io.ballast.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.server.cli.BallastCommand;
import io.ballast.server.config.TimeoutsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * deploy/systemd/ballast.service: checked by {@code systemd-analyze verify} (which needs no running
 * systemd, only the unit and the programs it starts) and {@code systemd-analyze security
 * --offline}, and for what docs/deploy.md promises of it.
 */
class SystemdUnitTest {
  private static final Path UNIT = Tools.ROOT.resolve("deploy/systemd/ballast.service");

  @TempDir Path tmp;

  /** The [Service] section's settings, the last of each key. */
  private static Map<String, String> service() throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    String section = "";
    for (String line : Files.readAllLines(UNIT)) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#") || l.startsWith(";")) {
        continue;
      }
      if (l.startsWith("[")) {
        section = l;
      } else if (section.equals("[Service]")) {
        int eq = l.indexOf('=');
        out.put(l.substring(0, eq), l.substring(eq + 1));
      }
    }
    return out;
  }

  /**
   * A copy of the unit in a temp dir, named ballast.service as verify requires. verify checks
   * that ExecStart's program exists: on a machine with no /usr/bin/java (the unit's path, Debian's
   * default-jre) the copy runs the JVM that runs this test instead, and says so.
   */
  private Path copyForVerify(String text) throws Exception {
    Matcher exec = Pattern.compile("(?m)^ExecStart=(\\S+)").matcher(text);
    assertThat(exec.find()).isTrue();
    String program = exec.group(1);
    if (!Files.isExecutable(Path.of(program))) {
      String java = ProcessHandle.current().info().command().orElseThrow();
      LoggerFactory.getLogger(SystemdUnitTest.class).info(
          "{} is not here: verifying ballast.service with ExecStart={} instead", program, java);
      text = text.replace("ExecStart=" + program + " ", "ExecStart=" + java + " ");
    }
    Path dir = Files.createDirectories(tmp.resolve("unit-" + System.nanoTime()));
    Path copy = dir.resolve("ballast.service");
    Files.writeString(copy, text);
    return copy;
  }

  @Test
  void systemdAnalyzeVerifySaysNothing() throws Exception {
    Path analyze = Tools.debian("systemd-analyze", "systemd");
    Path copy = copyForVerify(Files.readString(UNIT));
    Tools.Result r = Tools.run(copy.getParent(), Map.of(),
        List.of(analyze.toString(), "verify", copy.toString()));
    // verify exits 0 on an unknown key or a bad value and only prints them: silence is the pass.
    assertThat(r.output()).as("systemd-analyze verify").doesNotContain("ballast.service");
    assertThat(r.exit()).as(r.output()).isZero();

    // A misspelt key is found, so the silence above means something.
    Path bad = copyForVerify(Files.readString(UNIT)
        .replace("NoNewPrivileges=yes", "NoNewPrivilege=yes"));
    Tools.Result control = Tools.run(bad.getParent(), Map.of(),
        List.of(analyze.toString(), "verify", bad.toString()));
    assertThat(control.output()).contains("Unknown key 'NoNewPrivilege'");
  }

  @Test
  void systemdAnalyzeSecurityRatesItOk() throws Exception {
    Path analyze = Tools.debian("systemd-analyze", "systemd");
    Path copy = copyForVerify(Files.readString(UNIT));
    Tools.Result r = Tools.run(copy.getParent(), Map.of("SYSTEMD_COLORS", "0"),
        List.of(analyze.toString(), "security", "--offline=yes", "--no-pager",
            copy.toString()));
    Matcher m = Pattern.compile("Overall exposure level for ballast.service: ([0-9.]+)")
        .matcher(r.output());
    assertThat(m.find()).as(r.output()).isTrue();
    // 0 is the most locked down, 10 the least; a service with no hardening rates 9.6. The
    // remaining exposure is the network (it is a proxy), the JIT's W+X memory, and no
    // system-call filter (not tried here on Netty's native transports).
    assertThat(Double.parseDouble(m.group(1))).isLessThanOrEqualTo(4.0);
  }

  @Test
  void hardeningPortsReloadAndStopAreThereAsDocumented() throws Exception {
    Map<String, String> s = service();
    assertThat(s).containsEntry("NoNewPrivileges", "yes")
        .containsEntry("ProtectSystem", "strict")
        .containsEntry("ProtectHome", "yes")
        .containsEntry("PrivateTmp", "yes")
        .containsEntry("CapabilityBoundingSet", "CAP_NET_BIND_SERVICE")
        .containsEntry("AmbientCapabilities", "CAP_NET_BIND_SERVICE")
        .containsEntry("ExecReload", "/bin/kill -HUP $MAINPID")
        .containsEntry("KillSignal", "SIGTERM")
        .containsEntry("Restart", "on-failure")
        .containsEntry("RestartPreventExitStatus", String.valueOf(BallastCommand.EXIT_INVALID));
    assertThat(s.get("User")).isEqualTo("ballast");
    assertThat(Long.parseLong(s.get("LimitNOFILE"))).isGreaterThanOrEqualTo(65536);
    // The stop timeout outlasts the default drain (the example configs keep it).
    long stop = Long.parseLong(s.get("TimeoutStopSec").replace("s", ""));
    assertThat(stop).isGreaterThan(TimeoutsConfig.DEFAULTS.drain().toSeconds() + 5);

    // ExecStart: java, the jar, then a run command that ballast's own CLI accepts.
    List<String> exec = new ArrayList<>(Arrays.asList(s.get("ExecStart").split("\\s+")));
    int jar = exec.indexOf("-jar");
    assertThat(jar).isPositive();
    assertThat(exec.get(jar + 1)).isEqualTo("/opt/ballast/ballast.jar");
    List<String> args = exec.subList(jar + 2, exec.size());
    CommandLine.ParseResult parsed =
        BallastCommand.commandLine().parseArgs(args.toArray(String[]::new));
    assertThat(parsed.subcommand().commandSpec().name()).isEqualTo("run");
    assertThat(parsed.subcommand().matchedOptionValue("--config", (Object) null))
        .hasToString("/etc/ballast/ballast.yaml");
  }
}
