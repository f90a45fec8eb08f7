package io.ballast.proxy.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded mutational generator of HTTP/1.1 request bytes for fuzzing ballast's request path.
 * Each input is one of the {@link #SEEDS} (valid requests, pipelines and the classic smuggling
 * shapes: CL.TE, TE.CL, TE.TE obfuscation, duplicated Content-Length, obs-fold, a request inside
 * a body) with zero to four mutations: bit flips, CR/LF/NUL and other delimiters set or inserted,
 * tokens from a dictionary of framing headers and line ends inserted, ranges deleted or
 * duplicated (a duplicated line is a duplicated header), truncation (half a chunk, half a head),
 * huge runs (lines past every limit), splices of another seed and case flips.
 *
 * <p>Input {@code i} of seed {@code s} is always the same bytes, so a failure is reproduced by
 * its two numbers. Not thread-safe: one instance per thread.
 */
public final class RequestMutator {
  private static final String H = "Host: a.example\r\n";
  private static final String SMUGGLED = "GET /admin HTTP/1.1\r\nHost: a.example\r\n\r\n";

  /** The starting points: valid requests and the shapes request smuggling is made of. */
  public static final List<String> SEEDS = List.of(
      "GET /a?b=c HTTP/1.1\r\n" + H + "User-Agent: f\r\nAccept: */*\r\n\r\n",
      "POST /echo HTTP/1.1\r\n" + H + "Content-Length: 5\r\n\r\nhello",
      "POST /echo HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n"
          + "5;ext=1\r\nhello\r\n3\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n",
      "GET /one HTTP/1.1\r\n" + H + "\r\nPOST /two HTTP/1.1\r\n" + H
          + "Content-Length: 3\r\n\r\nabcGET /three HTTP/1.1\r\n" + H + "\r\n",
      "GET http://a.example/x?y HTTP/1.1\r\nHost: b.example\r\n\r\n",
      "GET /old HTTP/1.0\r\n\r\n",
      "HEAD /h HTTP/1.1\r\n" + H + "\r\n",
      "OPTIONS * HTTP/1.1\r\n" + H + "\r\n",
      // CL.TE and TE.CL.
      "POST /cl-te HTTP/1.1\r\n" + H + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "0\r\n\r\nG",
      "POST /te-cl HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
          + "8\r\nSMUGGLED\r\n0\r\n\r\n",
      // TE.TE: one of two Transfer-Encodings obfuscated.
      "POST /te-te HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\nTransfer-encoding: x\r\n\r\n"
          + "0\r\n\r\n" + SMUGGLED,
      "POST /te-space HTTP/1.1\r\n" + H + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
      "POST /cl-cl HTTP/1.1\r\n" + H + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
      "POST /cl-cl2 HTTP/1.1\r\n" + H + "Content-Length: 3\r\nContent-Length: 40\r\n\r\nabc"
          + SMUGGLED,
      "GET /fold HTTP/1.1\r\n" + H + "X-A: a\r\n b\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST /inner HTTP/1.1\r\n" + H + "Content-Length: " + SMUGGLED.length() + "\r\n\r\n"
          + SMUGGLED,
      "POST /expect HTTP/1.1\r\n" + H + "Expect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
      "GET /ws HTTP/1.1\r\n" + H + "Connection: Upgrade\r\nUpgrade: websocket\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
          + SMUGGLED,
      "POST /big-chunk HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n"
          + "fffffffffffffffff\r\nx\r\n0\r\n\r\n",
      "GET /close HTTP/1.1\r\n" + H + "Connection: close\r\n\r\n" + SMUGGLED);

  private static final byte[] SPECIAL = {'\r', '\n', 0, ' ', '\t', ':', ';', ',', 0x7f,
      (byte) 0x80, (byte) 0xff, '0', 'a', 0x0b, 0x0c, '/', '@', '%', '"'};

  private static final String[] TOKENS = {"\r\n", "\n", "\r", "\r\n\r\n", "Content-Length: 0\r\n",
      "Content-Length: 5\r\n", "Content-Length: 99999999999999999999\r\n", "Content-Length: -1\r\n",
      "Content-Length: 1, 2\r\n", "Transfer-Encoding: chunked\r\n",
      "Transfer-Encoding: chunked, identity\r\n", "Transfer-Encoding:\tchunked\r\n",
      "Transfer-Encoding: \u000bchunked\r\n", " chunked\r\n", "Host: y.example\r\n", "\r\n ",
      "0\r\n\r\n", "5\r\nhello\r\n", "ffffffff\r\n", SMUGGLED, " HTTP/1.1", "http://", "@", "%00",
      "[::1]", ":65536", "Connection: close\r\n", "Connection: keep-alive\r\n",
      "Expect: 100-continue\r\n", "Upgrade: websocket\r\nConnection: upgrade\r\n", "\u0000",
      "HTTP/1.0", "HTTP/2.0", "http/1.1", "\t"};

  private final SplittableRandom random;

  /** The generator of input stream {@code seed}. */
  public RequestMutator(long seed) {
    this.random = new SplittableRandom(seed);
  }

  /** The next input. */
  public byte[] next() {
    byte[] b = seed(random.nextInt(SEEDS.size()));
    int mutations = random.nextInt(10) == 0 ? 0 : 1 + random.nextInt(4);
    for (int i = 0; i < mutations; i++) {
      b = mutate(b);
    }
    return b;
  }

  /** A random split of {@code length} bytes into the sizes of successive writes (at least 1). */
  public int[] splits(int length) {
    int parts = length == 0 ? 1 : 1 + random.nextInt(Math.min(length, 4));
    int[] sizes = new int[parts];
    int left = length;
    for (int i = 0; i < parts - 1; i++) {
      sizes[i] = left <= 1 ? left : random.nextInt(left);
      left -= sizes[i];
    }
    sizes[parts - 1] = left;
    return sizes;
  }

  private static byte[] seed(int i) {
    return SEEDS.get(i).getBytes(StandardCharsets.ISO_8859_1);
  }

  private byte[] mutate(byte[] b) {
    int n = b.length;
    int at = n == 0 ? 0 : random.nextInt(n + 1);
    switch (random.nextInt(11)) {
      case 0 -> {
        if (at < n) {
          b[at] ^= (byte) (1 << random.nextInt(8));
        }
        return b;
      }
      case 1 -> {
        if (at < n) {
          b[at] = SPECIAL[random.nextInt(SPECIAL.length)];
        }
        return b;
      }
      case 2 -> {
        return insert(b, at, new byte[] {SPECIAL[random.nextInt(SPECIAL.length)]});
      }
      case 3 -> {
        return insert(b, at, TOKENS[random.nextInt(TOKENS.length)]
            .getBytes(StandardCharsets.ISO_8859_1));
      }
      case 4 -> {
        int len = Math.min(n - Math.min(at, n), 1 + random.nextInt(16));
        return cut(b, Math.min(at, n), len);
      }
      case 5 -> {
        int from = Math.min(at, n);
        int len = Math.min(n - from, 1 + random.nextInt(64));
        byte[] copy = java.util.Arrays.copyOfRange(b, from, from + len);
        return insert(b, from, copy);
      }
      case 6 -> {
        return duplicateLine(b, Math.min(at, Math.max(0, n - 1)));
      }
      case 7 -> {
        return java.util.Arrays.copyOf(b, Math.min(at, n));
      }
      case 8 -> {
        byte[] run = new byte[1000 + random.nextInt(20_000)];
        java.util.Arrays.fill(run, random.nextBoolean() ? (byte) 'a' : SPECIAL[
            random.nextInt(SPECIAL.length)]);
        return insert(b, at, run);
      }
      case 9 -> {
        byte[] other = seed(random.nextInt(SEEDS.size()));
        int from = random.nextInt(other.length);
        return insert(b, at, java.util.Arrays.copyOfRange(other, from, other.length));
      }
      default -> {
        for (int i = at; i < Math.min(n, at + 1 + random.nextInt(12)); i++) {
          byte c = b[i];
          if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
            b[i] = (byte) (c ^ 0x20);
          }
        }
        return b;
      }
    }
  }

  private static byte[] insert(byte[] b, int at, byte[] what) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(b.length + what.length);
    out.write(b, 0, at);
    out.writeBytes(what);
    out.write(b, at, b.length - at);
    return out.toByteArray();
  }

  private static byte[] cut(byte[] b, int at, int len) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
    out.write(b, 0, at);
    out.write(b, at + len, b.length - at - len);
    return out.toByteArray();
  }

  /** Repeats the line (up to and including its LF) that {@code at} falls in. */
  private static byte[] duplicateLine(byte[] b, int at) {
    if (b.length == 0) {
      return b;
    }
    int start = at;
    while (start > 0 && b[start - 1] != '\n') {
      start--;
    }
    int end = at;
    while (end < b.length && b[end] != '\n') {
      end++;
    }
    end = Math.min(b.length, end + 1);
    return insert(b, end, java.util.Arrays.copyOfRange(b, start, end));
  }
}
