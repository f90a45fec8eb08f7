package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proxy.limits.ListenerLimits;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A listener's requests per connection on HTTP/1.1, through the real proxy: the last allowed
 * response says {@code Connection: close} and the connection closes after it; requests a client
 * pipelined behind it are not processed (no backend sees them), so the client knows to send them
 * again on a new connection.
 */
class RequestLimitTest {
  private static final String GET = "GET /name HTTP/1.1\r\nHost: x\r\n\r\n";
  private static final int NONE = ListenerLimits.NONE;

  @Test
  void theLastAllowedResponseSaysCloseAndTheConnectionCloses() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1)) {
      f.proxy.listener("main").replaceLimits(new ListenerLimits(NONE, NONE, 3));
      try (Socket s = f.socket()) {
        InputStream in = new BufferedInputStream(s.getInputStream());
        for (int i = 1; i <= 3; i++) {
          s.getOutputStream().write(GET.getBytes(StandardCharsets.ISO_8859_1));
          String r = ProxyFixture.readResponse(in);
          assertThat(r).startsWith("HTTP/1.1 200");
          if (i < 3) {
            assertThat(r).doesNotContain("connection: close");
          } else {
            assertThat(r).contains("connection: close");
          }
        }
        assertThat(in.read()).isEqualTo(-1);
      }
      assertThat(f.connectionEvents).containsExactly("request limit");
    }
  }

  @Test
  void requestsPipelinedBehindTheLastAreNotProcessed() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1)) {
      f.proxy.listener("main").replaceLimits(new ListenerLimits(NONE, NONE, 2));
      int before = f.requestsReceived();
      try (Socket s = f.socket()) {
        s.getOutputStream().write(GET.repeat(5).getBytes(StandardCharsets.ISO_8859_1));
        String all = ProxyFixture.readToClose(s.getInputStream());
        assertThat(all.split("HTTP/1.1 200", -1)).hasSize(3);
        assertThat(all).containsOnlyOnce("connection: close");
      }
      assertThat(f.requestsReceived()).isEqualTo(before + 2);
    }
  }
}
