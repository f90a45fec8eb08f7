package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * 200 MB each way through the proxy. Surefire runs this class alone in a JVM with -Xmx64m (see
 * the proxy pom), and that JVM also holds the backend and the client: a proxy that buffered a body
 * would run out of heap.
 */
class BigBodyTest {
  private static final long SIZE = 200L * 1024 * 1024;

  @Test
  void runsInASmallHeap() {
    assertThat(Runtime.getRuntime().maxMemory()).isLessThanOrEqualTo(80L * 1024 * 1024);
  }

  @Test
  void uploadAndDownload200MegabytesStreamThrough() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1)) {
      String expected = patternSha256(SIZE);

      HttpResponse<String> up = f.client.send(HttpRequest.newBuilder(f.uri("/echo"))
              .timeout(Duration.ofSeconds(60))
              .POST(HttpRequest.BodyPublishers.fromPublisher(
                  HttpRequest.BodyPublishers.ofInputStream(() -> new PatternStream(SIZE)), SIZE))
              .build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(up.statusCode()).isEqualTo(200);
      assertThat(up.headers().firstValue("x-body-size")).hasValue(Long.toString(SIZE));
      assertThat(up.headers().firstValue("x-body-sha256")).hasValue(expected);

      HttpResponse<InputStream> down = f.client.send(
          HttpRequest.newBuilder(f.uri("/download/" + SIZE)).timeout(Duration.ofSeconds(60))
              .build(), HttpResponse.BodyHandlers.ofInputStream());
      assertThat(down.statusCode()).isEqualTo(200);
      MessageDigest md = TestBackend.sha256();
      long total = 0;
      try (InputStream in = down.body()) {
        byte[] buf = new byte[65536];
        int n;
        while ((n = in.read(buf)) >= 0) {
          md.update(buf, 0, n);
          total += n;
        }
      }
      assertThat(total).isEqualTo(SIZE);
      assertThat(HexFormat.of().formatHex(md.digest())).isEqualTo(expected);
    }
  }

  private static String patternSha256(long size) throws Exception {
    MessageDigest md = TestBackend.sha256();
    try (InputStream in = new PatternStream(size)) {
      byte[] buf = new byte[65536];
      int n;
      while ((n = in.read(buf)) >= 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** The test backend's byte pattern, generated on the fly. */
  private static final class PatternStream extends InputStream {
    private final long size;
    private long pos;

    PatternStream(long size) {
      this.size = size;
    }

    @Override
    public int read() {
      return pos < size ? TestBackend.patternByte(pos++) : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (pos >= size) {
        return -1;
      }
      int n = (int) Math.min(len, size - pos);
      for (int i = 0; i < n; i++) {
        b[off + i] = TestBackend.patternByte(pos + i);
      }
      pos += n;
      return n;
    }
  }
}
