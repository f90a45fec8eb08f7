package io.ballast.server.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The instructions of a Dockerfile, as the builder reads them: comment lines dropped (also
 * inside a continued instruction), lines ending in a backslash joined to the next.
 */
final class DockerfileParser {
  private DockerfileParser() {}

  /** One instruction: its keyword in upper case, its arguments, the line it starts on. */
  record Instruction(String keyword, String args, int line) {
    /** The arguments split on white space (enough for FROM, USER, EXPOSE, COPY here). */
    List<String> words() {
      return List.of(args.trim().split("\\s+"));
    }
  }

  static List<Instruction> parse(String text) {
    List<Instruction> out = new ArrayList<>();
    StringBuilder current = null;
    int start = 0;
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].stripTrailing();
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && current == null)) {
        continue;
      }
      boolean continues = line.endsWith("\\");
      String part = continues ? line.substring(0, line.length() - 1) : line;
      if (current == null) {
        current = new StringBuilder(part.strip());
        start = i + 1;
      } else {
        current.append(' ').append(part.strip());
      }
      if (!continues) {
        String s = current.toString();
        int space = s.indexOf(' ');
        String keyword = (space < 0 ? s : s.substring(0, space)).toUpperCase(Locale.ROOT);
        String args = space < 0 ? "" : s.substring(space + 1).strip();
        out.add(new Instruction(keyword, args, start));
        current = null;
      }
    }
    return out;
  }
}
