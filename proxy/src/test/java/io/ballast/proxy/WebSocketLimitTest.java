package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.retry.RetrySettings;
import io.ballast.proxy.tunnel.TunnelEnd;
import io.ballast.proxy.websocket.PythonWebSockets;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A client WebSocket frame larger than the limit ends the tunnel with a close frame 1009
 * (message too big) to the client; the frame never reaches the backend, the frames before it do.
 */
class WebSocketLimitTest {
  @BeforeAll
  static void python() {
    PythonWebSockets.assumeInstalled();
  }

  /** A masked client frame header (and payload when given), RFC 6455 section 5.2. */
  private static byte[] frame(int opcode, long length, byte[] payload) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(0x80 | opcode);
    if (length < 126) {
      b.write(0x80 | (int) length);
    } else {
      b.write(0x80 | 126);
      b.write((int) (length >> 8));
      b.write((int) length);
    }
    byte[] mask = {9, 8, 7, 6};
    b.writeBytes(mask);
    if (payload != null) {
      for (int i = 0; i < payload.length; i++) {
        b.write(payload[i] ^ mask[i % 4]);
      }
    }
    return b.toByteArray();
  }

  @Test
  void aFrameOverTheLimitGetsCloseFrame1009AndNeverReachesTheBackend() throws Exception {
    ProxySettings settings = ProxySettings.defaults().withMaxWebSocketFrame(1000);
    try (PythonWebSockets.Server server = PythonWebSockets.server("alpha");
        ProxyFixture f = ProxyFixture.inFrontOf(settings, RetrySettings.DEFAULTS, server.port());
        Socket s = f.socket()) {
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write(("GET /chat/echo HTTP/1.1\r\nHost: test\r\nConnection: Upgrade\r\n"
          + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        head.append((char) in.read());
      }
      assertThat(head.toString()).startsWith("HTTP/1.1 101");

      // Under the limit: echoed.
      byte[] small = "x".repeat(1000).getBytes(StandardCharsets.US_ASCII);
      out.write(frame(1, small.length, small));
      byte[] echoHead = in.readNBytes(4);
      assertThat(echoHead[0] & 0xff).isEqualTo(0x81);
      assertThat(in.readNBytes(1000)).isEqualTo(small);

      // Over it: only the header is needed for the refusal.
      out.write(frame(1, 1001, null));
      out.flush();
      byte[] close = in.readNBytes(4);
      assertThat(close[0] & 0xff).as("a close frame").isEqualTo(0x88);
      assertThat((close[2] & 0xff) << 8 | (close[3] & 0xff)).isEqualTo(1009);
      in.readNBytes((close[1] & 0x7f) - 2);
      assertThat(in.read()).as("then the connection closes").isEqualTo(-1);

      await().atMost(Duration.ofSeconds(5)).until(() -> !f.tunnelEnds.isEmpty());
      assertThat(f.tunnelEnds).containsExactly(TunnelEnd.CLIENT_OVER_LIMIT);
      await().atMost(Duration.ofSeconds(5)).until(() -> !f.logs.isEmpty());
      assertThat(f.logs.peek().error()).isEqualTo("tunnel: websocket frame over the limit");
    }
  }
}
