package io.ballast.server.accesslog;

import io.ballast.core.Backend;
import io.ballast.proxy.RequestLog;
import io.ballast.proxy.tcp.TcpConnectionLog;
import io.ballast.proxy.tls.ClientTls;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * Formats one {@link RequestLog}, or one {@link TcpConnectionLog}, as a single-line JSON object.
 *
 * <p>Strings are escaped per RFC 8259: quote, backslash and every control character (plus DEL and
 * the JavaScript line separators U+2028/U+2029) become escapes, so a line can never be split or
 * broken by what a client sent; other non-ASCII characters are written as they are (the output is
 * UTF-8), except unpaired surrogates, which are written as {@code \\uXXXX} escapes so that nothing
 * is lost or replaced.
 *
 * <p>Threading: not thread-safe (it reuses its buffer and caches the formatted second); the access
 * log's writer thread owns one.
 */
final class JsonLine {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final StringBuilder out = new StringBuilder(512);
  private long cachedSecond = Long.MIN_VALUE;
  private String cachedPrefix = "";

  /**
   * Formats the request, without the trailing newline, into this object's buffer: read it with
   * {@link #length()} and {@link #getChars} before the next call.
   */
  void format(RequestLog log) {
    out.setLength(0);
    out.append("{\"time\":\"");
    appendTime(log.startEpochMillis());
    out.append('"');
    field("client_ip", log.clientAddress());
    field("method", log.method());
    field("url", log.uri());
    field("host", log.host());
    if (log.protocol() != null) {
      field("protocol", log.protocol());
    }
    field("listener", log.listener());
    if (log.route() != null) {
      field("route", log.route());
    }
    if (log.group() != null) {
      field("group", log.group());
    }
    if (log.clientZone() != null) {
      field("client_zone", log.clientZone());
    }
    ClientTls tls = log.tls();
    if (tls != null) {
      field("tls_version", tls.protocol());
      field("tls_cipher", tls.cipher());
      if (tls.sni() != null) {
        field("sni", tls.sni());
      }
      if (tls.clientSubject() != null) {
        field("client_subject", tls.clientSubject());
      }
    }
    field("pool", log.pool());
    Backend backend = log.backend();
    field("backend", backend == null ? null : backend.name());
    field("backend_address", backend == null ? null : backend.address());
    out.append(",\"status\":").append(log.status());
    if (log.grpcStatus() >= 0) {
      out.append(",\"grpc_status\":").append(log.grpcStatus());
    }
    out.append(",\"duration_ms\":");
    appendMillis(log.durationNanos());
    out.append(",\"bytes_in\":").append(log.bytesIn());
    out.append(",\"bytes_out\":").append(log.bytesOut());
    field("request_id", log.requestId());
    out.append(",\"attempts\":").append(log.attempts());
    if (log.backendsTried() != null) {
      backendsTried(log.backendsTried());
    }
    if (log.retry() != null) {
      field("retry", log.retry().label());
    }
    if (log.error() != null) {
      field("error", log.error());
    }
    out.append('}');
  }

  /**
   * Formats one connection of a TCP listener, the same way: time, {@code "protocol":"tcp"},
   * client_ip, client_port, listener, sni (the server name its TLS ClientHello asked for, on a
   * listener that routes by it, when it asked for one), pool (null when none was chosen),
   * backend, backend_address, end (how it ended),
   * duration_ms, connect_ms (when a backend accepted), bytes_in (from the client), bytes_out (to
   * the client), attempts (backends tried), backends_tried (when more than one) and error (when
   * something went wrong).
   */
  void format(TcpConnectionLog log) {
    out.setLength(0);
    out.append("{\"time\":\"");
    appendTime(log.startEpochMillis());
    out.append('"');
    field("protocol", "tcp");
    field("client_ip", log.clientAddress());
    out.append(",\"client_port\":").append(log.clientPort());
    field("listener", log.listener());
    if (log.serverName() != null) {
      field("sni", log.serverName());
    }
    field("pool", log.pool());
    Backend backend = log.backend();
    field("backend", backend == null ? null : backend.name());
    field("backend_address", backend == null ? null : backend.address());
    field("end", log.end().label());
    out.append(",\"duration_ms\":");
    appendMillis(log.durationNanos());
    if (log.connectNanos() >= 0) {
      out.append(",\"connect_ms\":");
      appendMillis(log.connectNanos());
    }
    out.append(",\"bytes_in\":").append(log.bytesFromClient());
    out.append(",\"bytes_out\":").append(log.bytesFromBackend());
    out.append(",\"attempts\":").append(log.backendsTried().size());
    if (log.backendsTried().size() > 1) {
      backendsTried(log.backendsTried());
    }
    if (log.error() != null) {
      field("error", log.error());
    }
    out.append('}');
  }

  private void backendsTried(java.util.List<Backend> tried) {
    out.append(",\"backends_tried\":[");
    for (int i = 0; i < tried.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append('"');
      escape(tried.get(i).name());
      out.append('"');
    }
    out.append(']');
  }

  int length() {
    return out.length();
  }

  /** Copies the formatted line into {@code dst}, which must hold {@link #length()} chars. */
  void getChars(char[] dst) {
    out.getChars(0, out.length(), dst, 0);
  }

  /** The formatted line as a string (for tests and error messages). */
  @Override
  public String toString() {
    return out.toString();
  }

  /** ISO-8601 UTC with milliseconds: {@code 2025-03-01T12:00:07.042Z}. */
  private void appendTime(long epochMillis) {
    long second = Math.floorDiv(epochMillis, 1000);
    if (second != cachedSecond) {
      // Most lines in a busy second share the prefix; format it once per second.
      LocalDateTime t = LocalDateTime.ofEpochSecond(second, 0, ZoneOffset.UTC);
      StringBuilder p = new StringBuilder(20);
      pad(p, t.getYear(), 4).append('-');
      pad(p, t.getMonthValue(), 2).append('-');
      pad(p, t.getDayOfMonth(), 2).append('T');
      pad(p, t.getHour(), 2).append(':');
      pad(p, t.getMinute(), 2).append(':');
      pad(p, t.getSecond(), 2).append('.');
      cachedPrefix = p.toString();
      cachedSecond = second;
    }
    out.append(cachedPrefix);
    pad(out, (int) Math.floorMod(epochMillis, 1000), 3).append('Z');
  }

  /** Milliseconds with a microsecond fraction: 1234567 ns → {@code 1.234}. */
  private void appendMillis(long nanos) {
    long micros = Math.max(0, nanos) / 1000;
    out.append(micros / 1000).append('.');
    pad(out, (int) (micros % 1000), 3);
  }

  private static StringBuilder pad(StringBuilder sb, int value, int width) {
    int digits = value == 0 ? 1 : (int) Math.log10(value) + 1;
    for (int i = digits; i < width; i++) {
      sb.append('0');
    }
    return sb.append(value);
  }

  private void field(String name, String value) {
    out.append(",\"").append(name).append("\":");
    if (value == null) {
      out.append("null");
      return;
    }
    out.append('"');
    escape(value);
    out.append('"');
  }

  private void escape(String s) {
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
            unicodeEscape(c);
          } else if (Character.isHighSurrogate(c)
              && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
            out.append(c).append(s.charAt(++i));
          } else if (Character.isSurrogate(c)) {
            unicodeEscape(c);
          } else {
            out.append(c);
          }
        }
      }
    }
  }

  private void unicodeEscape(char c) {
    out.append("\\u")
        .append(HEX[(c >> 12) & 0xf])
        .append(HEX[(c >> 8) & 0xf])
        .append(HEX[(c >> 4) & 0xf])
        .append(HEX[c & 0xf]);
  }
}
