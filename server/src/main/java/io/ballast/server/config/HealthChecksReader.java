package io.ballast.server.config;

import io.ballast.core.health.HealthLevel;
import io.ballast.core.health.HealthPolicy;
import io.ballast.proxy.probe.HealthCheckSpec;
import io.ballast.proxy.probe.SendExpect;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads a pool's active checks: {@code health_check} (one check) or {@code health_checks}
 * (levels and the thresholds that combine them), not both. Not thread-safe: one load at a time.
 */
final class HealthChecksReader {
  private static final Value<Duration> DURATION = Value.duration();
  private static final Pattern HEALTH_TYPE = Pattern.compile("http|tcp|grpc");
  private static final Pattern HTTP_PATH = Pattern.compile("/[!-~]*");
  private static final Pattern HOST_HEADER = Pattern.compile("[!-~]+");
  private static final Pattern HTTP_METHOD = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}");
  private static final Pattern BODY_TEXT =
      Pattern.compile("(?s).{1," + HealthCheckSpec.MAX_BODY + "}");
  /** What a tcp check may send and expect back. */
  private static final List<String> TCP_ONLY = List.of("send", "expect", "expect_regex");
  private static final Pattern TALK_TEXT =
      Pattern.compile("(?s).{0," + SendExpect.MAX_EXPECT + "}");
  private static final Pattern EXPECT_TEXT =
      Pattern.compile("(?s).{1," + SendExpect.MAX_EXPECT + "}");
  private static final List<String> HTTP_ONLY =
      List.of("path", "host", "expected_status", "method", "body_contains");
  /** A gRPC service name as the health service knows it; "" means the server as a whole. */
  private static final Pattern GRPC_SERVICE =
      Pattern.compile("[^\\p{Cntrl}]{0," + HealthCheckSpec.MAX_SERVICE + "}");

  private final Problems problems;

  HealthChecksReader(Problems problems) {
    this.problems = problems;
  }

  /** The pool's checks; empty when it has none or they had errors (reported). */
  Optional<HealthChecksConfig> healthChecks(Section pool) {
    Optional<YamlNode> single = pool.optional("health_check");
    Optional<YamlNode> levels = pool.optional("health_checks");
    if (single.isPresent() && levels.isPresent()) {
      problems.error(pool.keyMarkOf("health_checks"), pool.path("health_checks"),
          "set together with health_check at " + pool.keyMarkOf("health_check")
              + " (expected: one of them: health_check for one check, health_checks for levels)");
      return Optional.empty();
    }
    if (single.isPresent()) {
      return pool.child("health_check").map(this::healthCheck).map(HealthChecksConfig::single);
    }
    return pool.child("health_checks").map(this::levels);
  }

  private HealthChecksConfig levels(Section s) {
    int before = problems.errorCount();
    Integer degraded = s.get("degraded_below", Value.percent(), HealthPolicy.DEFAULT_DEGRADED_BELOW);
    Integer unhealthy = s.get("unhealthy_below", Value.percent(), HealthPolicy.DEFAULT_UNHEALTHY_BELOW);
    List<HealthLevelConfig> levels = new ArrayList<>();
    Map<String, Mark> names = new LinkedHashMap<>();
    List<Section> sections = s.list("levels", "level");
    if (sections.size() > HealthPolicy.MAX_LEVELS) {
      problems.error(s.markOf("levels"), s.path("levels"), sections.size()
          + " levels (expected: at most " + HealthPolicy.MAX_LEVELS + ")");
    }
    boolean critical = false;
    for (Section l : sections) {
      String name = l.require("name", Names.VALUE);
      Names.unique(problems, l, name, names, "level");
      Integer weight = l.get("weight", Value.integer(1, HealthLevel.MAX_WEIGHT),
          HealthLevelConfig.DEFAULT_WEIGHT);
      Boolean isCritical = l.get("critical", Value.bool(), false);
      critical |= Boolean.TRUE.equals(isCritical);
      HealthCheckConfig check = healthCheck(l);
      if (name != null && weight != null && isCritical != null && check != null) {
        levels.add(problems.build(l.mark(), l.path(),
            () -> new HealthLevelConfig(name, weight, isCritical, check)));
      }
    }
    if (degraded != null && unhealthy != null && unhealthy > degraded) {
      problems.error(s.markOf("unhealthy_below"), s.path("unhealthy_below"), unhealthy
          + "% (expected: <= degraded_below " + degraded + "%)");
    }
    if (unhealthy != null && unhealthy == 0 && !critical && !sections.isEmpty()) {
      problems.error(s.markOf("unhealthy_below"), s.path("unhealthy_below"), "0% with no critical"
          + " level (expected: > 0, or a level with critical: true; otherwise a backend failing"
          + " every check keeps serving)");
    }
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    return problems.build(s.mark(), s.path(),
        () -> new HealthChecksConfig(levels, degraded, unhealthy));
  }

  private HealthCheckConfig healthCheck(Section s) {
    int before = problems.errorCount();
    String type = s.get("type", Value.string("http, tcp or grpc", HEALTH_TYPE), "http");
    boolean tcp = "tcp".equals(type);
    boolean grpc = "grpc".equals(type);
    String path;
    String host;
    String method = HealthCheckConfig.DEFAULT_METHOD;
    String bodyContains = null;
    String service = null;
    if (grpc) {
      service = s.get("service", Value.string("a gRPC service name such as \"my.pkg.Api\", or \"\""
          + " for the whole server (at most " + HealthCheckSpec.MAX_SERVICE
          + " characters, no control characters)", GRPC_SERVICE), "");
    } else if (s.optional("service").isPresent() && type != null) {
      problems.error(s.keyMarkOf("service"), s.path("service"),
          "set, but type is " + type + " (expected: only with type grpc)");
    }
    if (tcp || grpc) {
      for (String httpOnly : HTTP_ONLY) {
        if (s.optional(httpOnly).isPresent()) {
          problems.error(s.keyMarkOf(httpOnly), s.path(httpOnly),
              "set, but type is " + type + " (expected: only with type http)");
        }
      }
      path = "/";
      host = null;
    } else {
      path = s.require("path", Value.string("a path starting with '/', e.g. \"/health\"", HTTP_PATH));
      host = s.get("host", Value.string("a Host header value, e.g. \"api.example.com\"", HOST_HEADER), null);
      method = s.get("method", Value.string("an HTTP method such as GET, HEAD or OPTIONS", HTTP_METHOD),
          HealthCheckConfig.DEFAULT_METHOD);
      if ("CONNECT".equalsIgnoreCase(method)) {
        problems.error(s.markOf("method"), s.path("method"),
            "'" + method + "' (expected: a method a health endpoint answers, such as GET, HEAD or OPTIONS)");
      }
      bodyContains = s.get("body_contains", Value.string("a text of 1.." + HealthCheckSpec.MAX_BODY
          + " characters to find in the response body", BODY_TEXT), null);
      if (bodyContains != null && "HEAD".equals(method)) {
        problems.error(s.keyMarkOf("body_contains"), s.path("body_contains"), "set, but method is"
            + " HEAD, whose answers have no body (expected: GET or another method with a body)");
      }
    }
    SendExpect talk = tcp ? sendExpect(s) : null;
    if (!tcp && type != null) {
      for (String tcpOnly : TCP_ONLY) {
        if (s.optional(tcpOnly).isPresent()) {
          problems.error(s.keyMarkOf(tcpOnly), s.path(tcpOnly),
              "set, but type is " + type + " (expected: only with type tcp)");
        }
      }
    }
    Duration interval = s.get("interval", DURATION, HealthCheckConfig.DEFAULT_INTERVAL);
    Duration timeout = s.get("timeout", DURATION, HealthCheckConfig.DEFAULT_TIMEOUT);
    StatusRanges expected = s.get("expected_status", Value.statusRanges(), StatusRanges.DEFAULT);
    Integer rise = s.get("rise", Value.integer(1, Integer.MAX_VALUE), HealthCheckConfig.DEFAULT_RISE);
    Integer fall = s.get("fall", Value.integer(1, Integer.MAX_VALUE), HealthCheckConfig.DEFAULT_FALL);
    s.notAbove("timeout", timeout, "interval", interval);
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    String m = method;
    Optional<String> body = Optional.ofNullable(bodyContains);
    Optional<String> grpcService = Optional.ofNullable(service);
    Optional<SendExpect> sendExpect = Optional.ofNullable(talk);
    return problems.build(s.mark(), s.path(), () -> new HealthCheckConfig(tcp, path,
        Optional.ofNullable(host), interval, timeout, expected, rise, fall, m, body, grpcService,
        sendExpect));
  }

  /**
   * A tcp check's {@code send} and {@code expect} or {@code expect_regex} (one of the two):
   * null for a bare connect, and after reporting errors.
   */
  private SendExpect sendExpect(Section s) {
    int before = problems.errorCount();
    String send = s.get("send", Value.string("a text of at most " + SendExpect.MAX_EXPECT
        + " characters to send once connected, such as \"PING\\r\\n\"", TALK_TEXT), null);
    String expect = s.get("expect", Value.string("a text of 1.." + SendExpect.MAX_EXPECT
        + " characters the answer must contain, such as \"+PONG\"", EXPECT_TEXT), null);
    java.util.regex.Pattern regex = s.get("expect_regex", Value.regex(), null);
    if (expect != null && regex != null) {
      problems.error(s.keyMarkOf("expect_regex"), s.path("expect_regex"), "set together with"
          + " expect (expected: one of them: expect for a text, expect_regex for a pattern)");
    }
    if (send != null && expect == null && regex == null) {
      problems.error(s.keyMarkOf("send"), s.path("send"), "set without expect (expected:"
          + " expect or expect_regex with send: nothing would judge the answer)");
    }
    if (problems.errorCount() != before || expect == null && regex == null) {
      return null;
    }
    String text = expect != null ? expect : regex.pattern();
    String sent = send == null ? "" : send;
    return problems.build(s.mark(), s.path(), () -> new SendExpect(sent, text, expect == null));
  }
}
