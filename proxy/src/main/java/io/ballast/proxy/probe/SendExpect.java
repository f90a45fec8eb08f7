package io.ballast.proxy.probe;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What a TCP check says to a backend and what it must hear back: {@code send} (may be empty,
 * for protocols where the server speaks first), then the answer must contain {@code expect}
 * (or, with {@code regex}, a match of it) within the check's timeout, in its first
 * {@value #MAX_ANSWER} bytes. Redis: {@code send "PING\r\n"}, {@code expect "+PONG"}. The
 * texts are sent and compared as UTF-8. Immutable and validated at construction.
 *
 * @param send the bytes to write once connected, as text ("" for none)
 * @param expect the text the answer must contain, or the regular expression it must match
 *     somewhere ({@link java.util.regex.Matcher#find()}); 1..{@value #MAX_EXPECT} characters
 * @param regex whether {@code expect} is a regular expression
 */
public record SendExpect(String send, String expect, boolean regex) {
  /** The most of an answer a check reads looking for its text. */
  public static final int MAX_ANSWER = 64 * 1024;
  /** The longest {@link #send} and {@link #expect}, in characters. */
  public static final int MAX_EXPECT = 1024;

  public SendExpect {
    Objects.requireNonNull(send, "send");
    Objects.requireNonNull(expect, "expect");
    if (send.length() > MAX_EXPECT) {
      throw new IllegalArgumentException("send: " + send.length() + " characters (expected: at"
          + " most " + MAX_EXPECT + ")");
    }
    if (expect.isEmpty() || expect.length() > MAX_EXPECT) {
      throw new IllegalArgumentException("expect: " + expect.length() + " characters (expected: 1.."
          + MAX_EXPECT + ")");
    }
    if (regex) {
      try {
        Pattern.compile(expect);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("expect: '" + expect + "' is not a regular expression ("
            + e.getDescription() + ")");
      }
    }
  }

  /** The bytes to write once connected. */
  byte[] sendBytes() {
    return send.getBytes(StandardCharsets.UTF_8);
  }

  /** A matcher of answers: true when {@code answer} (what was read so far) passes. */
  java.util.function.Predicate<String> matcher() {
    if (!regex) {
      return answer -> answer.contains(expect);
    }
    Pattern p = Pattern.compile(expect);
    return answer -> p.matcher(answer).find();
  }

  /** "send 'PING\r\n', expect '+PONG'", with control characters escaped. */
  @Override
  public String toString() {
    return (send.isEmpty() ? "" : "send '" + printable(send) + "', ")
        + (regex ? "expect_regex '" : "expect '") + printable(expect) + "'";
  }

  /** {@code text} with control characters written as escapes, for logs and check details. */
  static String printable(String text) {
    StringBuilder b = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '\r' -> b.append("\\r");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        default -> {
          if (Character.isISOControl(c)) {
            b.append(String.format("\\x%02x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.toString();
  }
}
