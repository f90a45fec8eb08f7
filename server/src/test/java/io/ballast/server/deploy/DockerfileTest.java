package io.ballast.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.server.cli.BallastCommand;
import io.ballast.server.deploy.DockerfileParser.Instruction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.json.JsonMapper;

/**
 * The container image's Dockerfile (no Docker engine runs here, so it is not built): linted by
 * two Dockerfile linters from npm, and checked for what docs/deploy.md promises of it.
 */
class DockerfileTest {
  private static final Path DOCKERFILE = Tools.ROOT.resolve("Dockerfile");
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir Path tmp;

  private static List<Instruction> instructions() throws Exception {
    return DockerfileParser.parse(Files.readString(DOCKERFILE));
  }

  /** The instructions of the last stage, from its FROM on. */
  private static List<Instruction> runtimeStage() throws Exception {
    List<Instruction> all = instructions();
    int from = 0;
    for (int i = 0; i < all.size(); i++) {
      if (all.get(i).keyword().equals("FROM")) {
        from = i;
      }
    }
    return all.subList(from, all.size());
  }

  private static List<String> exec(Instruction i) throws Exception {
    assertThat(i.args()).as("%s on line %d in exec (JSON) form", i.keyword(), i.line())
        .startsWith("[");
    return List.of(JSON.readValue(i.args(), String[].class));
  }

  private static Instruction only(List<Instruction> in, String keyword) {
    List<Instruction> found = in.stream().filter(i -> i.keyword().equals(keyword)).toList();
    assertThat(found).as("%s instructions", keyword).hasSize(1);
    return found.get(0);
  }

  @Test
  void buildsInTwoStagesFromPinnedJdk17Images() throws Exception {
    List<Instruction> froms =
        instructions().stream().filter(i -> i.keyword().equals("FROM")).toList();
    assertThat(froms).as("a build stage and a runtime stage").hasSize(2);
    assertThat(froms.get(0).words()).as("the build stage").hasSize(3)
        .element(2).isEqualTo("build");
    for (Instruction from : froms) {
      String image = from.words().get(0);
      Matcher m = Pattern.compile("^[a-z0-9./-]+(:([A-Za-z0-9._-]+))?(@sha256:[0-9a-f]{64})?$")
          .matcher(image);
      assertThat(m.matches()).as("image reference %s on line %d", image, from.line()).isTrue();
      assertThat(m.group(2) != null || m.group(3) != null)
          .as("%s (line %d) names a tag or digest", image, from.line()).isTrue();
      assertThat(m.group(2)).as("the tag of %s", image).isNotEqualTo("latest");
    }
    assertThat(froms.get(0).words().get(0)).as("Maven with JDK 17").startsWith("maven:")
        .endsWith("-eclipse-temurin-17");
    assertThat(froms.get(1).words().get(0)).as("a JRE 17").startsWith("eclipse-temurin:17")
        .contains("-jre");
  }

  @Test
  void buildStageHasEveryModuleMavenReadsAndCopiesTheShadedJar() throws Exception {
    String parentPom = Files.readString(Tools.ROOT.resolve("pom.xml"));
    List<String> modules = new ArrayList<>();
    Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(parentPom);
    while (m.find()) {
      modules.add(m.group(1));
    }
    assertThat(modules).contains("server");
    List<String> copied = instructions().stream()
        .filter(i -> i.keyword().equals("COPY") && !i.args().startsWith("--from"))
        .map(i -> i.words().get(0)).toList();
    for (String module : modules) {
      assertThat(copied).as("module %s (or its pom) copied into the build stage", module)
          .containsAnyOf(module, module + "/pom.xml");
    }
    // The shade plugin names the jar ballast.jar (server/pom.xml), where the launcher finds it.
    assertThat(Files.readString(Tools.ROOT.resolve("server/pom.xml")))
        .contains("<finalName>ballast</finalName>");
    assertThat(Files.readString(Tools.ROOT.resolve("ballast")))
        .contains("jar=\"$root/server/target/ballast.jar\"");
    assertThat(runtimeStage()).filteredOn(i -> i.keyword().equals("COPY"))
        .extracting(Instruction::args)
        .contains("--from=build /src/server/target/ballast.jar /opt/ballast/ballast.jar");
  }

  @Test
  void runsAsAnUnprivilegedNumericUser() throws Exception {
    List<Instruction> stage = runtimeStage();
    Instruction user = stage.stream().filter(i -> i.keyword().equals("USER"))
        .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no USER in the runtime stage"));
    // Numeric, so that Kubernetes' runAsNonRoot can check it without reading /etc/passwd.
    assertThat(user.args()).isEqualTo("10001:10001");
    assertThat(stage).filteredOn(i -> i.keyword().equals("RUN")).extracting(Instruction::args)
        .anyMatch(run -> run.contains("useradd --system --uid 10001 --gid 10001"));
  }

  @Test
  void healthcheckAsksTheAdminListenersHealthzThroughTheProbeScript() throws Exception {
    List<Instruction> stage = runtimeStage();
    Instruction hc = only(stage, "HEALTHCHECK");
    assertThat(hc.args()).containsPattern("--interval=\\d+s").containsPattern("--timeout=\\d+s")
        .containsPattern("--start-period=\\d+s");
    String cmd = hc.args().substring(hc.args().indexOf("CMD ") + 4);
    assertThat(exec(new Instruction("CMD", cmd, hc.line())))
        .containsExactly("/usr/local/bin/ballast-probe", "/healthz");
    assertThat(stage).filteredOn(i -> i.keyword().equals("COPY")).extracting(Instruction::args)
        .contains("deploy/docker/ballast-probe /usr/local/bin/ballast-probe");
    // COPY keeps the mode: the script must be executable in the repository.
    assertThat(Files.isExecutable(Tools.ROOT.resolve("deploy/docker/ballast-probe"))).isTrue();
  }

  @Test
  void entrypointRunsTheJarOnJdk17AndCmdIsAValidRunCommand() throws Exception {
    List<Instruction> stage = runtimeStage();
    List<String> entry = exec(only(stage, "ENTRYPOINT"));
    assertThat(entry.get(0)).isEqualTo("java");
    assertThat(entry.subList(entry.size() - 2, entry.size()))
        .containsExactly("-jar", "/opt/ballast/ballast.jar");
    // The launcher adds these on Java 24+ only; the image's JRE is 17.
    assertThat(entry).noneMatch(a -> a.startsWith("--sun-misc-unsafe-memory-access"))
        .noneMatch(a -> a.startsWith("--enable-native-access"));
    List<String> cmd = exec(only(stage, "CMD"));
    CommandLine.ParseResult parsed =
        BallastCommand.commandLine().parseArgs(cmd.toArray(String[]::new));
    assertThat(parsed.subcommand()).as("CMD %s", cmd).isNotNull();
    assertThat(parsed.subcommand().commandSpec().name()).isEqualTo("run");
    assertThat(parsed.subcommand().matchedOptionValue("--config", (Object) null))
        .hasToString("/etc/ballast/ballast.yaml");
    assertThat(only(stage, "EXPOSE").words()).contains("8080");
  }

  @Test
  void dockerignoreKeepsBuildOutputOutAndWhatTheBuildCopiesIn() throws Exception {
    List<String> ignored = Files.readAllLines(Tools.ROOT.resolve(".dockerignore")).stream()
        .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    assertThat(ignored).contains(".git", "**/target");
    for (Instruction copy : instructions()) {
      if (!copy.keyword().equals("COPY") || copy.args().startsWith("--from")) {
        continue;
      }
      Path source = Path.of(copy.words().get(0)).normalize();
      for (String pattern : ignored) {
        if (pattern.contains("*") || pattern.startsWith("!")) {
          continue;
        }
        Path p = Path.of(pattern).normalize();
        assertThat(source.startsWith(p))
            .as("COPY %s (line %d) is excluded by .dockerignore's %s", source, copy.line(),
                pattern)
            .isFalse();
      }
      assertThat(Tools.ROOT.resolve(source)).as("COPY source %s", source).exists();
    }
  }

  /** dockerlinter (its own rules and ShellCheck on RUN) and dockerfile-utils (syntax, flags). */
  @Test
  void linters() throws Exception {
    Path node = Tools.node();
    Tools.debian("shellcheck", "shellcheck");
    Path bad = tmp.resolve("Dockerfile");
    Files.writeString(bad, """
        FROM debian:latest
        RUN apt-get install curl && cd /tmp && echo $HOME
        HEALTHCHECK --intervl=5s CMD curl -f http://localhost/
        USER root
        CMD java -jar app.jar
        """);

    Tools.Result lint = dockerlinter(node, DOCKERFILE);
    assertThat(lint.exit()).as("dockerlinter:\n%s", lint.output()).isZero();
    Tools.Result control = dockerlinter(node, bad);
    assertThat(control.exit()).as("dockerlinter on a bad Dockerfile:\n%s", control.output())
        .isEqualTo(1);
    assertThat(control.output()).contains("EF0003", "ER0009", "EU0001", "EJ0002");

    Tools.Result utils = dockerfileUtils(node, DOCKERFILE);
    assertThat(utils.exit()).as("dockerfile-utils lint:\n%s", utils.output()).isZero();
    Tools.Result utilsControl = dockerfileUtils(node, bad);
    assertThat(utilsControl.exit()).isNotZero();
    assertThat(utilsControl.output()).contains("Unknown flag: intervl");
  }

  private static Tools.Result dockerlinter(Path node, Path dockerfile) throws Exception {
    // -s sh: RUN lines run under /bin/sh in both base images; -e info: any finding fails.
    return Tools.run(Tools.ROOT, Map.of(), List.of(node.toString(),
        Tools.TEST_TOOLS.resolve("node_modules/dockerlinter/bin/dockerfilelinter.js").toString(),
        "-f", dockerfile.toString(), "-s", "sh", "-e", "info"));
  }

  private static Tools.Result dockerfileUtils(Path node, Path dockerfile) throws Exception {
    return Tools.run(Tools.ROOT, Map.of(), List.of(node.toString(),
        Tools.TEST_TOOLS.resolve("node_modules/dockerfile-utils/bin/dockerfile-utils").toString(),
        "lint", dockerfile.toString()));
  }
}
