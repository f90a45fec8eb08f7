package io.ballast.proxy.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An HTTP/1.1 request parser written from RFC 9112 alone, as strict as it gets, to judge what
 * ballast writes to a backend: a request line of a token, a visible-ASCII target and exactly
 * {@code HTTP/1.1}; CRLF line ends only; field names that are tokens, values without CR, LF or
 * NUL; exactly one Host; never Content-Length with Transfer-Encoding, Transfer-Encoding only
 * {@code chunked}; a chunked body to its last chunk and trailers. Anything else is
 * {@link Malformed}: a backend behind ballast must never have to guess.
 *
 * <p>Stateless; each call reads one request from its stream.
 */
public final class StrictParser {
  private static final int MAX_LINE = 1 << 20;

  private StrictParser() {}

  /** One parsed request; {@code complete} false when the stream ended inside its body. */
  public record Request(String method, String target, String host, List<String[]> headers,
      byte[] body, boolean complete) {
    @Override
    public String toString() {
      return method + " " + target + " host=" + host + " body=" + body.length
          + (complete ? "" : " (incomplete)");
    }
  }

  /** What ballast must never write. */
  public static final class Malformed extends IOException {
    public Malformed(String message) {
      super(message);
    }
  }

  /**
   * The next request of {@code in}, or null at a clean end of stream between requests. A stream
   * that ends inside a head is {@link Malformed}; one that ends inside a body gives an incomplete
   * request.
   */
  public static Request read(InputStream in) throws IOException {
    String line;
    try {
      line = line(in, true);
    } catch (EOFException e) {
      throw new Malformed("stream ended inside a request line");
    }
    if (line == null) {
      return null;
    }
    String[] parts = line.split(" ", -1);
    if (parts.length != 3 || !token(parts[0]) || !target(parts[1])
        || !parts[2].equals("HTTP/1.1")) {
      throw new Malformed("request line: " + printable(line));
    }
    List<String[]> headers = new ArrayList<>();
    String host = null;
    int hosts = 0;
    Long length = null;
    String te = null;
    while (true) {
      String h = line(in, false);
      if (h.isEmpty()) {
        break;
      }
      int colon = h.indexOf(':');
      if (colon <= 0 || !token(h.substring(0, colon))) {
        throw new Malformed("field line: " + printable(h));
      }
      String name = h.substring(0, colon).toLowerCase(Locale.ROOT);
      String value = h.substring(colon + 1).strip();
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if (c < ' ' && c != '\t' || c == 0x7f) {
          throw new Malformed("control byte in " + name);
        }
      }
      headers.add(new String[] {name, value});
      switch (name) {
        case "host" -> {
          hosts++;
          host = value;
        }
        case "content-length" -> {
          if (length != null || value.isEmpty() || value.length() > 18
              || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new Malformed("content-length: " + printable(value));
          }
          length = Long.parseLong(value);
        }
        case "transfer-encoding" -> {
          if (te != null || !value.equalsIgnoreCase("chunked")) {
            throw new Malformed("transfer-encoding: " + printable(value));
          }
          te = value;
        }
        default -> { }
      }
    }
    if (hosts != 1) {
      throw new Malformed(hosts + " host fields");
    }
    if (length != null && te != null) {
      throw new Malformed("content-length and transfer-encoding");
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    boolean complete = te != null ? chunked(in, body) : fixed(in, body, length == null ? 0 : length);
    return new Request(parts[0], parts[1], host, headers, body.toByteArray(), complete);
  }

  private static boolean fixed(InputStream in, ByteArrayOutputStream body, long length)
      throws IOException {
    byte[] buf = new byte[8192];
    long left = length;
    while (left > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        return false;
      }
      body.write(buf, 0, n);
      left -= n;
    }
    return true;
  }

  private static boolean chunked(InputStream in, ByteArrayOutputStream body) throws IOException {
    try {
      while (true) {
        String size = line(in, false);
        int semi = size.indexOf(';');
        String hex = semi < 0 ? size : size.substring(0, semi);
        if (hex.isEmpty() || hex.length() > 15
            || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
          throw new Malformed("chunk size: " + printable(size));
        }
        long n = Long.parseLong(hex, 16);
        if (n == 0) {
          while (!line(in, false).isEmpty()) {
            // trailer fields
          }
          return true;
        }
        if (!fixed(in, body, n)) {
          return false;
        }
        if (!line(in, false).isEmpty()) {
          throw new Malformed("chunk data longer than its size");
        }
      }
    } catch (EOFException e) {
      return false;
    }
  }

  /**
   * One CRLF-terminated line without its CRLF. At the start of a request, a clean end of stream
   * gives null; elsewhere it throws EOFException. A bare CR or LF is malformed.
   */
  private static String line(InputStream in, boolean first) throws IOException {
    StringBuilder sb = new StringBuilder();
    while (true) {
      int c = in.read();
      if (c < 0) {
        if (first && sb.isEmpty()) {
          return null;
        }
        throw new EOFException();
      }
      if (c == '\r') {
        if (in.read() != '\n') {
          throw new Malformed("bare CR");
        }
        return sb.toString();
      }
      if (c == '\n') {
        throw new Malformed("bare LF");
      }
      if (c == 0) {
        throw new Malformed("NUL");
      }
      if (sb.length() > MAX_LINE) {
        throw new Malformed("line longer than " + MAX_LINE);
      }
      sb.append((char) c);
    }
  }

  private static boolean token(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0)) {
        return false;
      }
    }
    return true;
  }

  private static boolean target(String s) {
    if (s.isEmpty() || !(s.charAt(0) == '/' || s.equals("*"))) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= ' ' || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }

  /** {@code s} with control and non-ASCII bytes escaped, for messages. */
  public static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length() && i < 200; i++) {
      char c = s.charAt(i);
      if (c < ' ' || c >= 0x7f) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** {@code b} as text with control bytes escaped, for messages. */
  public static String printable(byte[] b) {
    return printable(new String(b, 0, Math.min(b.length, 400), StandardCharsets.ISO_8859_1));
  }
}
