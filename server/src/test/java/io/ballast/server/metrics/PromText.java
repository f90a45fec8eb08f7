package io.ballast.server.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/** Reads samples back from Prometheus text format 0.0.4, for assertions. */
public final class PromText {
  /** One sample line. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  private final List<Sample> samples = new ArrayList<>();

  public PromText(String text) {
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      samples.add(parse(line));
    }
  }

  public List<Sample> samples() {
    return samples;
  }

  /** The value of the sample with this name and exactly these labels, if present. */
  public OptionalDouble value(String name, Map<String, String> labels) {
    for (Sample s : samples) {
      if (s.name.equals(name) && s.labels.equals(labels)) {
        return OptionalDouble.of(s.value);
      }
    }
    return OptionalDouble.empty();
  }

  /** Like {@link #value} but fails when the sample is missing. */
  public double get(String name, Map<String, String> labels) {
    return value(name, labels).orElseThrow(
        () -> new AssertionError("no sample " + name + labels + " in " + samples));
  }

  private static Sample parse(String line) {
    int brace = line.indexOf('{');
    int space;
    Map<String, String> labels = new LinkedHashMap<>();
    String name;
    if (brace < 0) {
      space = line.indexOf(' ');
      name = line.substring(0, space);
    } else {
      name = line.substring(0, brace);
      int i = brace + 1;
      while (line.charAt(i) != '}') {
        int eq = line.indexOf('=', i);
        String key = line.substring(i, eq);
        StringBuilder v = new StringBuilder();
        int j = eq + 2;
        while (line.charAt(j) != '"') {
          char c = line.charAt(j);
          if (c == '\\') {
            char e = line.charAt(++j);
            v.append(e == 'n' ? '\n' : e);
          } else {
            v.append(c);
          }
          j++;
        }
        labels.put(key, v.toString());
        i = j + 1;
        if (line.charAt(i) == ',') {
          i++;
        }
      }
      space = i + 1;
    }
    String rest = line.substring(space).trim();
    String number = rest.split(" ")[0];
    double value = switch (number) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(number);
    };
    return new Sample(name, Map.copyOf(labels), value);
  }
}
