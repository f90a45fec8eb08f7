package io.ballast.server.config;

import io.ballast.proxy.client.AccessList;
import io.ballast.proxy.client.Cidr;
import io.ballast.proxy.client.CidrSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads an {@code access} block (a listener's or a route's): {@code allow} and {@code deny}
 * lists of networks, inline and from files ({@code allow_file}, {@code deny_file}: one address
 * or network per line, {@code #} starts a comment, blank lines are skipped). A bad entry in a
 * file is an error at the field's line that names the file's line too
 * ({@code listeners[0].access.deny_file: /etc/ballast/deny.txt:3: '10.0.0.1/8' has host bits
 * set (expected: 10.0.0.0/8)}). The files are read at each load and reload, and a change to one
 * reloads the configuration ({@link BallastConfig#watchedFiles()}).
 *
 * <p>Not thread-safe: one load at a time.
 */
final class AccessReader {
  /** An entry file may not be larger than this: a list is networks, not a data set. */
  static final long MAX_FILE_BYTES = 16L << 20;

  private static final Value<String> TEXT = Value.string("a file path", Pattern.compile(".*\\S.*"));
  private static final Value<List<Cidr>> NETWORKS = Value.networks(0);

  private final Problems problems;

  AccessReader(Problems problems) {
    this.problems = problems;
  }

  /** The {@code access} block of {@code s}, or null when it has none or after reporting errors. */
  AccessConfig read(Section owner) {
    Section s = owner.child("access").orElse(null);
    if (s == null) {
      return null;
    }
    int before = problems.errorCount();
    List<Cidr> allow = networks(s, "allow");
    List<Cidr> deny = networks(s, "deny");
    List<Path> files = new ArrayList<>();
    Path allowFile = file(s, "allow_file", allow, files);
    Path denyFile = file(s, "deny_file", deny, files);
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    if (allow.isEmpty() && deny.isEmpty()
        && allowFile == null && denyFile == null) {
      problems.error(s.mark(), s.path(), "no network (expected: at least one of allow, deny,"
          + " allow_file, deny_file)");
      return null;
    }
    // A file may hold no entry yet (a deny list that starts empty): then nothing is refused.
    AccessList list = allow.isEmpty() && deny.isEmpty() ? null
        : new AccessList(new CidrSet(allow), new CidrSet(deny));
    return new AccessConfig(list, files);
  }

  /** The inline list {@code key}, empty when absent or after reporting its errors. */
  private static List<Cidr> networks(Section s, String key) {
    List<Cidr> given = s.get(key, NETWORKS, List.of());
    return given == null ? new ArrayList<>() : new ArrayList<>(given);
  }

  /** Reads the file {@code key} names into {@code into}; its path, or null without one. */
  private Path file(Section s, String key, List<Cidr> into, List<Path> files) {
    String name = s.get(key, TEXT, null);
    if (name == null) {
      return null;
    }
    Path p = ConfigPaths.resolve(problems, name, s.markOf(key), s.path(key));
    if (p == null) {
      return null;
    }
    files.add(p.toAbsolutePath());
    List<String> lines;
    try {
      if (Files.size(p) > MAX_FILE_BYTES) {
        problems.error(s.markOf(key), s.path(key), p + ": larger than " + (MAX_FILE_BYTES >> 20)
            + " MiB (expected: a list of networks)");
        return null;
      }
      lines = Files.readAllLines(p, StandardCharsets.UTF_8);
    } catch (java.nio.file.NoSuchFileException e) {
      problems.error(s.markOf(key), s.path(key), "cannot read " + p + " (no such file)");
      return null;
    } catch (IOException | RuntimeException e) {
      problems.error(s.markOf(key), s.path(key), "cannot read " + p + " ("
          + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
      return null;
    }
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      int hash = line.indexOf('#');
      String entry = (hash < 0 ? line : line.substring(0, hash)).strip();
      if (entry.isEmpty()) {
        continue;
      }
      try {
        into.add(Cidr.parse(entry));
      } catch (IllegalArgumentException e) {
        problems.error(s.markOf(key), s.path(key), p + ":" + (i + 1) + ": " + e.getMessage());
      }
    }
    return p;
  }

}
