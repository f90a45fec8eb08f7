package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.retry.RetrySettings;
import io.ballast.proxy.websocket.PythonWebSockets;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * WebSockets over HTTP/2 (RFC 8441): an extended CONNECT on a stream becomes the HTTP/1.1
 * handshake to a real WebSocket server (python3-websockets), and after its 101 the stream
 * carries the WebSocket's frames both ways in DATA frames.
 */
class WebSocketOverHttp2Test {
  private static final int SETTINGS_ENABLE_CONNECT_PROTOCOL = 0x8;

  @BeforeAll
  static void python() {
    PythonWebSockets.assumeInstalled();
  }

  private static Http2Headers connect(String path) {
    return new DefaultHttp2Headers().method("CONNECT").scheme("http").authority("localhost")
        .path(path).set(":protocol", "websocket").set("sec-websocket-version", "13");
  }

  /** A masked client frame (RFC 6455 section 5.2), payload under 126 bytes. */
  private static byte[] frame(int opcode, byte[] payload) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(0x80 | opcode);
    b.write(0x80 | payload.length);
    byte[] mask = {1, 2, 3, 4};
    b.writeBytes(mask);
    for (int i = 0; i < payload.length; i++) {
      b.write(payload[i] ^ mask[i % 4]);
    }
    return b.toByteArray();
  }

  /** The server's unmasked frames in {@code bytes}: opcode and payload text. */
  private static List<String> frames(ByteArrayOutputStream bytes) {
    byte[] b = bytes.toByteArray();
    List<String> out = new ArrayList<>();
    int at = 0;
    while (at + 2 <= b.length) {
      int opcode = b[at] & 0x0f;
      int len = b[at + 1] & 0x7f;
      if (len >= 126 || at + 2 + len > b.length) {
        break;
      }
      out.add(opcode + ":" + new String(b, at + 2, len, StandardCharsets.ISO_8859_1));
      at += 2 + len;
    }
    return out;
  }

  @Test
  void aWebSocketOnAStreamEchoesThroughAnHttp11Backend() throws Exception {
    try (PythonWebSockets.Server server = PythonWebSockets.server("alpha");
        ProxyFixture f = ProxyFixture.inFrontOf(ProxySettings.defaults(), RetrySettings.DEFAULTS,
            server.port());
        RawH2 raw = new RawH2(f.address)) {
      raw.preface();
      RawH2.Frame settings = raw.await(RawH2.SETTINGS);
      assertThat(setting(settings, SETTINGS_ENABLE_CONNECT_PROTOCOL)).isEqualTo(1);
      raw.headers(1, connect("/chat/echo"), false);
      RawH2.Frame head = raw.await(RawH2.HEADERS, 1);
      assertThat(head.status()).isEqualTo("200");
      assertThat((head.flags() & RawH2.END_STREAM)).isZero();
      assertThat(head.headers().contains("sec-websocket-accept")).isFalse();
      assertThat(head.headers().contains("upgrade")).isFalse();

      ByteArrayOutputStream sent = new ByteArrayOutputStream();
      for (int i = 0; i < 100; i++) {
        sent.writeBytes(frame(1, ("message " + i).getBytes(StandardCharsets.US_ASCII)));
      }
      raw.data(1, sent.toByteArray(), false);
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      while (frames(got).size() < 100) {
        RawH2.Frame d = raw.await(RawH2.DATA, 1);
        assertThat(d).as("echoes so far: " + frames(got).size()).isNotNull();
        got.writeBytes(d.payload());
      }
      List<String> echoes = frames(got);
      assertThat(echoes).first().isEqualTo("1:message 0");
      assertThat(echoes.get(99)).isEqualTo("1:message 99");

      // A close frame (1000); the server answers with its own and ends the tunnel.
      raw.data(1, frame(8, new byte[] {0x03, (byte) 0xe8}), false);
      boolean ended = false;
      ByteArrayOutputStream tail = new ByteArrayOutputStream();
      RawH2.Frame fr;
      while (!ended && (fr = raw.read()) != null) {
        if (fr.stream() != 1) {
          continue;
        }
        if (fr.type() == RawH2.DATA) {
          tail.writeBytes(fr.payload());
          ended = (fr.flags() & RawH2.END_STREAM) != 0;
        } else if (fr.type() == RawH2.RST_STREAM) {
          ended = true;
        }
      }
      assertThat(ended).isTrue();
      assertThat(frames(tail)).first().asString().startsWith("8:");
      // The client ends its side too, as a WebSocket client closes its TCP connection.
      raw.data(1, new byte[0], true);
      await().atMost(Duration.ofSeconds(5)).until(() -> f.proxy.tunnels().open() == 0);
      await().atMost(Duration.ofSeconds(5)).until(() -> !f.logs.isEmpty());
      RequestLog log = f.logs.poll();
      assertThat(log.status()).isEqualTo(101);
      assertThat(log.protocol()).isEqualTo("HTTP/2.0");
      assertThat(log.bytesIn()).isGreaterThan(100 * 15);

      // The connection serves on: another WebSocket on another stream.
      raw.headers(3, connect("/chat/whoami"), false);
      assertThat(raw.await(RawH2.HEADERS, 3).status()).isEqualTo("200");
      ByteArrayOutputStream name = new ByteArrayOutputStream();
      name.writeBytes(raw.await(RawH2.DATA, 3).payload());
      assertThat(frames(name)).containsExactly("1:alpha");
      // A handshake the server declines is an HTTP answer like any other.
      raw.headers(5, connect("/chat/decline/403"), false);
      assertThat(raw.await(RawH2.HEADERS, 5).status()).isEqualTo("403");
    }
  }

  @Test
  void aBackendThatDoesNotSwitchGivesTheClientNoTunnel() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1); RawH2 raw = new RawH2(f.address)) {
      raw.preface();
      raw.headers(1, connect("/name"), false);
      RawH2.Frame head = raw.await(RawH2.HEADERS, 1);
      assertThat(head.status()).isEqualTo("502");
      // Another protocol than websocket is refused.
      raw.headers(3, connect("/name").set(":protocol", "chat"), false);
      assertThat(raw.await(RawH2.RST_STREAM, 3).errorCode()).isEqualTo(0x7);
    }
  }

  private static long setting(RawH2.Frame settings, int id) {
    byte[] p = settings.payload();
    for (int i = 0; i + 6 <= p.length; i += 6) {
      if (((p[i] & 0xff) << 8 | (p[i + 1] & 0xff)) == id) {
        return (p[i + 2] & 0xffL) << 24 | (p[i + 3] & 0xffL) << 16 | (p[i + 4] & 0xffL) << 8
            | (p[i + 5] & 0xffL);
      }
    }
    return -1;
  }
}
