package io.ballast.server.reload;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.server.config.BallastConfig;
import io.ballast.server.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Two readings of one file are the same config; a change is named by its section path. */
class ReloadConfigDiffTest {
  private static final String BASE = """
      listeners:
        - name: web
          bind: "127.0.0.1:0"
          routes:
            - name: re
              match: {path: {regex: "/r/[0-9]+"}, headers: {X-A: {regex: "a.*"}}}
              rewrite: {regex: {pattern: "^/r/(.*)$", replacement: "/$1"}}
              pool: api
            - name: rest
              pool: api
      pools:
        - name: api
          backends:
            - {address: "127.0.0.1:9001"}
            - {address: "127.0.0.1:9002"}
      """;

  private static BallastConfig parse(String yaml) {
    return ConfigLoader.parse(yaml, "test.yaml").orElseThrow();
  }

  @Test
  void everyShippedExampleReadTwiceIsTheSameConfig() throws Exception {
    List<Path> examples;
    try (Stream<Path> s = Files.list(Path.of("../examples"))) {
      examples = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(examples).isNotEmpty();
    for (Path example : examples) {
      BallastConfig one = ConfigLoader.load(example).orElseThrow();
      BallastConfig two = ConfigLoader.load(example).orElseThrow();
      assertThat(ConfigDiff.restartSections(one, two)).as(example.toString()).isEmpty();
      assertThat(RouteChanges.between(one, two).isEmpty()).as(example.toString()).isTrue();
      assertThat(ConfigDiff.same(one, two)).as(example.toString()).isTrue();
    }
  }

  @Test
  void regularExpressionsCompareByTheirText() {
    BallastConfig one = parse(BASE);
    assertThat(ConfigDiff.same(one, parse(BASE))).isTrue();
    BallastConfig other = parse(BASE.replace("/r/[0-9]+", "/r/[0-9]*"));
    assertThat(ConfigDiff.firstDifference("", one, other))
        .contains("listeners.web.routes.re.match.path.pattern");
    assertThat(RouteChanges.between(one, other).describe())
        .isEqualTo("listener web: changed [re]");
    assertThat(ConfigDiff.restartSections(one, other)).isEmpty();
  }

  @Test
  void changedSectionsAreNamedByTheirPathAndOnlyTheAdminListenerNeedsARestart() {
    BallastConfig one = parse(BASE);
    BallastConfig member = parse(BASE.replace("127.0.0.1:9002", "127.0.0.1:9003"));
    assertThat(ConfigDiff.changedSections(one, member)).containsExactly("pools.api.backends");
    assertThat(ConfigDiff.restartSections(one, member)).isEmpty();
    assertThat(ConfigDiff.changedSections(one,
        parse(BASE.replace("127.0.0.1:9002\"}", "127.0.0.1:9002\", weight: 3}"))))
        .containsExactly("pools.api.backends.127.0.0.1:9002.weight");
    assertThat(ConfigDiff.changedSections(one, parse(BASE.replace("127.0.0.1:0", "127.0.0.1:1"))))
        .containsExactly("listeners.web.bind.port");
    assertThat(ConfigDiff.changedSections(one, parse(BASE + "timeouts: {connect: 1s}\n")))
        .containsExactly("timeouts.connect");
    assertThat(ConfigDiff.changedSections(one, parse(BASE.replace("name: web", "name: www"))))
        .containsExactly("listeners.web (removed)", "listeners.www (added)");
    BallastConfig moved = parse(BASE + "admin: {bind: \"127.0.0.1:9999\"}\n");
    assertThat(ConfigDiff.restartSections(one, moved)).containsExactly("admin.bind.port");
    assertThat(ConfigDiff.restartSections(one, parse(BASE + "timeouts: {connect: 1s}\n")))
        .isEmpty();
  }

  @Test
  void anHttpsRedirectIsPartOfItsRouteAndEachChangeIsNamed() {
    String redirect = BASE.replace("""
              - name: rest
                pool: api
        """, """
              - name: rest
                https_redirect: {port: 8443}
        """);
    BallastConfig one = parse(redirect);
    assertThat(ConfigDiff.same(one, parse(redirect))).isTrue();
    BallastConfig port = parse(redirect.replace("{port: 8443}", "{port: 9443}"));
    assertThat(ConfigDiff.firstDifference("", one, port))
        .contains("listeners.web.routes.rest.https_redirect.port");
    assertThat(RouteChanges.between(one, port).describe()).isEqualTo("listener web: changed [rest]");
    BallastConfig status = parse(redirect.replace("{port: 8443}", "{port: 8443, status: 308}"));
    assertThat(ConfigDiff.firstDifference("", one, status))
        .contains("listeners.web.routes.rest.https_redirect.status");
    // A route that starts or stops redirecting changes too; nothing outside routes does.
    assertThat(RouteChanges.between(parse(BASE), one).describe())
        .isEqualTo("listener web: changed [rest]");
    assertThat(ConfigDiff.changedSections(parse(BASE), one)).isEmpty();
    // true and {} are the same redirect.
    assertThat(ConfigDiff.same(parse(redirect.replace("{port: 8443}", "true")),
        parse(redirect.replace("{port: 8443}", "{}")))).isTrue();
  }

  @Test
  void routeOrderAdditionsAndRemovalsAreTold() {
    BallastConfig one = parse(BASE);
    String next = BASE.replace("""
              - name: rest
                pool: api
        """, "").replace("    routes:\n", """
            routes:
              - name: rest
                match: {methods: [GET]}
                pool: api
              - name: more
                pool: api
        """);
    RouteChanges changes = RouteChanges.between(one, parse(next));
    assertThat(changes.listeners()).containsExactly(new RouteChanges.Listener("web",
        List.of("more"), List.of(), List.of("rest"), true));
    assertThat(changes.describe())
        .isEqualTo("listener web: added [more]; changed [rest]; reordered");
  }
}
