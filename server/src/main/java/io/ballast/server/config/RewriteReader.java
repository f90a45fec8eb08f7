package io.ballast.server.config;

import io.ballast.proxy.routing.PathRewrite;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads a route's {@code rewrite} of the request path: {@code strip_prefix},
 * {@code replace_prefix} ({@code from}, {@code to}) or {@code regex} ({@code pattern},
 * {@code replacement}), exactly one. Not thread-safe: one load at a time.
 */
final class RewriteReader {
  private static final List<String> KINDS = List.of("strip_prefix", "replace_prefix", "regex");
  private static final Value<String> REPLACEMENT = Value.textual(
      "a path without '?' or '#' ($1 for groups)", t -> {
        if (t.indexOf('?') >= 0 || t.indexOf('#') >= 0) {
          throw new IllegalArgumentException("'" + t + "' (expected: a path without '?' or '#')");
        }
        return t;
      });

  private final Problems problems;

  RewriteReader(Problems problems) {
    this.problems = problems;
  }

  /** The rewrite; null after reporting errors. */
  PathRewrite rewrite(Section s) {
    List<String> kinds = s.present(KINDS);
    if (kinds.size() != 1) {
      s.rejectUnknown();
      problems.error(s.mark(), s.path(), Section.notExactlyOne(kinds, "no rewrite", KINDS));
      return null;
    }
    PathRewrite out = switch (kinds.get(0)) {
      case "strip_prefix" -> {
        String p = s.require("strip_prefix", HttpValues.PATH);
        yield p == null ? null : new PathRewrite.StripPrefix(p);
      }
      case "replace_prefix" -> s.child("replace_prefix").map(r -> {
        String from = r.require("from", HttpValues.PATH);
        String to = r.require("to", HttpValues.PATH);
        r.rejectUnknown();
        return from == null || to == null ? null : new PathRewrite.ReplacePrefix(from, to);
      }).orElse(null);
      default -> s.child("regex").map(r -> {
        Pattern p = r.require("pattern", Value.regex());
        String replacement = r.require("replacement", REPLACEMENT);
        r.rejectUnknown();
        return p == null || replacement == null ? null
            : problems.build(r.mark(), r.path(), () -> new PathRewrite.RegexReplace(p, replacement));
      }).orElse(null);
    };
    s.rejectUnknown();
    return out;
  }
}
