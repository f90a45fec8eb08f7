package io.ballast.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.server.cli.BallastCommand;
import io.ballast.server.config.BallastConfig;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.config.ConfigResult;
import io.ballast.server.config.HostPort;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * deploy/kubernetes/: every manifest valid against the Kubernetes API schema (kubernetes-models
 * from npm, run by deploy/test-tools/validate-manifests.mjs), the ConfigMap's config accepted by
 * ballast's own loader, and the pieces agreeing with each other and with the image.
 */
class KubernetesManifestsTest {
  private static final Path DIR = Tools.ROOT.resolve("deploy/kubernetes");
  private static final YAMLMapper YAML = YAMLMapper.builder().build();

  @TempDir Path tmp;

  private static List<Path> manifests() throws Exception {
    try (Stream<Path> s = Files.list(DIR)) {
      return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  private static JsonNode manifest(String file) throws Exception {
    return YAML.readTree(DIR.resolve(file).toFile());
  }

  private static JsonNode container() throws Exception {
    JsonNode containers = manifest("deployment.yaml").at("/spec/template/spec/containers");
    assertThat(containers.size()).isEqualTo(1);
    return containers.get(0);
  }

  private static BallastConfig config() throws Exception {
    String yaml = manifest("configmap.yaml").at("/data/ballast.yaml").asString();
    ConfigResult result = ConfigLoader.parse(yaml, "configmap.yaml#ballast.yaml");
    assertThat(result).as("%s", result).isInstanceOf(ConfigResult.Valid.class);
    assertThat(result.warnings()).isEmpty();
    return result.orElseThrow();
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asString()));
    return out;
  }

  @Test
  void everyManifestIsValidAgainstTheKubernetesSchema() throws Exception {
    Path node = Tools.node();
    List<Path> files = manifests();
    assertThat(files).extracting(p -> p.getFileName().toString()).containsExactlyInAnyOrder(
        "configmap.yaml", "deployment.yaml", "service.yaml", "poddisruptionbudget.yaml");
    // Two bad copies go with them, so that one run (tsc takes seconds) shows both that the
    // manifests pass and that the validator is no yes-man: a misspelt field, a wrong type.
    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(bad, Files.readString(DIR.resolve("deployment.yaml"))
        .replace("readinessProbe:", "readinesProbe:"));
    Path bad2 = tmp.resolve("bad2.yaml");
    Files.writeString(bad2, Files.readString(DIR.resolve("service.yaml"))
        .replace("port: 80", "port: \"eighty\""));
    List<String> cmd = new ArrayList<>(List.of(node.toString(),
        Tools.TEST_TOOLS.resolve("validate-manifests.mjs").toString()));
    files.forEach(f -> cmd.add(f.toString()));
    cmd.add(bad.toString());
    cmd.add(bad2.toString());
    Tools.Result r = Tools.run(cmd);
    List<String> problems = r.output().lines().filter(l -> !l.contains(" object(s) in ")).toList();
    for (Path f : files) {
      assertThat(problems).as("problems of %s", f).noneMatch(l -> l.startsWith(f + ":"));
    }
    assertThat(problems).as(r.output())
        .anyMatch(l -> l.startsWith(bad + ":")
            && l.contains("'\"readinesProbe\"' does not exist in type 'IContainer'"))
        .anyMatch(l -> l.startsWith(bad2 + ":")
            && l.contains("data/spec/ports/0/port must be integer"));
    assertThat(r.output()).contains("6 object(s) in 6 file(s)");
    assertThat(r.exit()).isEqualTo(1);
  }

  @Test
  void configMapHoldsAConfigBallastAccepts() throws Exception {
    BallastConfig config = config();
    assertThat(config.admin().bind()).as("admin on loopback, where ballast-probe asks")
        .isEqualTo(HostPort.parse("127.0.0.1:9901"));
    assertThat(config.admin().token()).as("no secret in a ConfigMap").isEmpty();
  }

  @Test
  void deploymentMountsTheConfigWhereTheArgsSayAndListensWhereTheConfigBinds() throws Exception {
    JsonNode c = container();
    CommandLine.ParseResult parsed = BallastCommand.commandLine()
        .parseArgs(strings(c.get("args")).toArray(String[]::new));
    assertThat(parsed.subcommand().commandSpec().name()).isEqualTo("run");
    Path configPath = Path.of(parsed.subcommand().matchedOptionValue("--config", (Object) null)
        .toString());

    JsonNode mount = null;
    for (JsonNode m : c.get("volumeMounts")) {
      if (m.get("name").asString().equals("config")) {
        mount = m;
      }
    }
    assertThat(mount).isNotNull();
    // The ConfigMap's directory is mounted whole (no subPath), so an update reaches the pod.
    assertThat(mount.has("subPath")).isFalse();
    assertThat(configPath.getParent()).hasToString(mount.get("mountPath").asString());
    assertThat(manifest("configmap.yaml").at("/data").has(configPath.getFileName().toString()))
        .isTrue();
    String configMapName = manifest("configmap.yaml").at("/metadata/name").asString();
    JsonNode volumes = manifest("deployment.yaml").at("/spec/template/spec/volumes");
    assertThat(volumes.findValuesAsString("name")).contains(configMapName);

    int containerPort = c.at("/ports/0/containerPort").asInt();
    assertThat(c.at("/ports/0/name").asString()).isEqualTo("http");
    assertThat(config().listeners()).extracting(l -> l.bind().port()).contains(containerPort);
    JsonNode servicePort = manifest("service.yaml").at("/spec/ports/0");
    assertThat(servicePort.get("targetPort").asString()).isEqualTo("http");
  }

  @Test
  void probesAskReadyzAndHealthzAndShutdownOutlastsTheDrain() throws Exception {
    JsonNode c = container();
    assertThat(strings(c.at("/readinessProbe/exec/command")))
        .containsExactly("/usr/local/bin/ballast-probe", "/readyz");
    assertThat(strings(c.at("/livenessProbe/exec/command")))
        .containsExactly("/usr/local/bin/ballast-probe", "/healthz");
    assertThat(strings(c.at("/startupProbe/exec/command")))
        .containsExactly("/usr/local/bin/ballast-probe", "/healthz");
    // The probe script's default address is the config's admin.bind (no env override needed).
    assertThat(Files.readString(Tools.ROOT.resolve("deploy/docker/ballast-probe")))
        .contains("addr=${BALLAST_ADMIN_ADDR:-127.0.0.1:9901}");

    List<String> preStop = strings(c.at("/lifecycle/preStop/exec/command"));
    assertThat(preStop).hasSize(2).first().isEqualTo("sleep");
    long sleep = Long.parseLong(preStop.get(1));
    long drain = config().timeouts().drain().toSeconds();
    long grace = manifest("deployment.yaml")
        .at("/spec/template/spec/terminationGracePeriodSeconds").asLong();
    assertThat(sleep).isBetween(5L, 30L);
    assertThat(grace).as("grace period %d s >= preStop %d s + drain %d s + 5 s", grace, sleep,
        drain).isGreaterThanOrEqualTo(sleep + drain + 5);
  }

  @Test
  void runsAsTheImagesUserOnAReadOnlyRootWithAWritableTmp() throws Exception {
    JsonNode pod = manifest("deployment.yaml").at("/spec/template/spec");
    JsonNode c = container();
    assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
    String imageUser = DockerfileParser.parse(Files.readString(Tools.ROOT.resolve("Dockerfile")))
        .stream().filter(i -> i.keyword().equals("USER")).reduce((a, b) -> b).orElseThrow()
        .args();
    assertThat(pod.at("/securityContext/runAsUser").asLong() + ":"
        + pod.at("/securityContext/runAsGroup").asLong()).isEqualTo(imageUser);
    assertThat(c.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(c.at("/securityContext/allowPrivilegeEscalation").asBoolean()).isFalse();
    assertThat(strings(c.at("/securityContext/capabilities/drop"))).containsExactly("ALL");
    assertThat(c.get("volumeMounts").findValuesAsString("mountPath")).contains("/tmp");
    assertThat(c.at("/resources/requests/cpu").isMissingNode()).isFalse();
    assertThat(c.at("/resources/requests/memory").asString())
        .isEqualTo(c.at("/resources/limits/memory").asString());
  }

  @Test
  void selectorsMatchThePodsLabels() throws Exception {
    JsonNode labels = manifest("deployment.yaml").at("/spec/template/metadata/labels");
    Map<String, JsonNode> selectors = Map.of(
        "deployment", manifest("deployment.yaml").at("/spec/selector/matchLabels"),
        "service", manifest("service.yaml").at("/spec/selector"),
        "pdb", manifest("poddisruptionbudget.yaml").at("/spec/selector/matchLabels"),
        "topology spread", manifest("deployment.yaml")
            .at("/spec/template/spec/topologySpreadConstraints/0/labelSelector/matchLabels"));
    selectors.forEach((what, selector) -> {
      assertThat(selector.size()).as(what).isPositive();
      selector.properties().forEach(e -> assertThat(labels.get(e.getKey()))
          .as("%s selector %s", what, e.getKey()).isEqualTo(e.getValue()));
    });
    long replicas = manifest("deployment.yaml").at("/spec/replicas").asLong();
    long maxUnavailable = manifest("poddisruptionbudget.yaml").at("/spec/maxUnavailable").asLong();
    assertThat(maxUnavailable).as("a voluntary disruption leaves a pod serving")
        .isLessThan(replicas);
  }
}
