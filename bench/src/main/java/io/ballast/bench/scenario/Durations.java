package io.ballast.bench.scenario;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the durations written in scenario files: {@code 250ms}, {@code 20s}, {@code 1m}, or a bare
 * number of seconds. Stateless; thread-safe.
 */
public final class Durations {
    private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m)?");

    private Durations() {}

    /** Parses {@code text}; {@code field} names the setting in the error message. */
    public static Duration parse(String field, String text) {
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    field + ": '" + text + "' (expected: a duration such as 250ms, 20s or 1m)");
        }
        double value = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double nanos = switch (unit) {
            case "ms" -> value * 1e6;
            case "m" -> value * 60e9;
            default -> value * 1e9;
        };
        return Duration.ofNanos(Math.round(nanos));
    }

    /** Formats a duration the way the generated balancer configs expect it: whole milliseconds. */
    public static String millis(Duration d) {
        return d.toMillis() + "ms";
    }
}
