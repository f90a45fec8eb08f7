package io.ballast.proxy.http1;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * Whole HTTP/1.x status lines ({@code "HTTP/1.1 200 OK\r\n"}), encoded once per version and
 * status, so that a response head starts with one copy of 12 to 40 bytes.
 *
 * <p>Why: Netty writes a status line in four pieces (version, space, the status's cached
 * {@code "200 OK"}, CRLF). On JDK 17 a copy of 6 bytes or fewer into a direct buffer goes
 * byte by byte through {@code ByteBuffer.put}, and in the HTTP/1.1 benchmark (bench/http-rr.sh,
 * a JFR profile with 1 ms samples) the status's 6-byte copy alone took 2.6 % of the event
 * loop's samples; one copy of the whole line takes the bulk path.
 *
 * <p>Only a status whose reason phrase is the standard one for its code has a cached line (a
 * backend's own phrase, "200 Fine", is relayed as it came, through Netty's encoder). Immutable
 * and thread-safe.
 */
final class StatusLines {
  private static final int FIRST = 100;
  private static final int LAST = 599;
  /** Netty's status for each code: its constant where it has one, compared by identity first. */
  private static final HttpResponseStatus[] STANDARD = standard();
  private static final byte[][] HTTP_1_1 = lines(HttpVersion.HTTP_1_1);
  private static final byte[][] HTTP_1_0 = lines(HttpVersion.HTTP_1_0);

  private StatusLines() {}

  /** The whole status line of a response with this version and status, or null. */
  static byte[] of(HttpVersion version, HttpResponseStatus status) {
    int code = status.code();
    if (code < FIRST || code > LAST) {
      return null;
    }
    byte[][] table;
    if (version == HttpVersion.HTTP_1_1) {
      table = HTTP_1_1;
    } else if (version == HttpVersion.HTTP_1_0) {
      table = HTTP_1_0;
    } else {
      return null;
    }
    HttpResponseStatus standard = STANDARD[code - FIRST];
    if (status != standard && !standard.reasonPhrase().equals(status.reasonPhrase())) {
      return null;
    }
    return table[code - FIRST];
  }

  private static HttpResponseStatus[] standard() {
    HttpResponseStatus[] table = new HttpResponseStatus[LAST - FIRST + 1];
    for (int code = FIRST; code <= LAST; code++) {
      table[code - FIRST] = HttpResponseStatus.valueOf(code);
    }
    return table;
  }

  private static byte[][] lines(HttpVersion version) {
    byte[][] table = new byte[LAST - FIRST + 1][];
    for (int code = FIRST; code <= LAST; code++) {
      HttpResponseStatus s = STANDARD[code - FIRST];
      table[code - FIRST] = (version.text() + ' ' + code + ' ' + s.reasonPhrase() + "\r\n")
          .getBytes(StandardCharsets.ISO_8859_1);
    }
    return table;
  }
}
