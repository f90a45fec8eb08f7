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
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.Arrays;
import java.security.MessageDigest;
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

  /** A masked binary client frame with a 16-bit length (126 to 65 535 payload bytes). */
  private static byte[] binary(byte[] payload) {
    ByteArrayOutputStream b = new ByteArrayOutputStream(payload.length + 8);
    b.write(0x82);
    b.write(0x80 | 126);
    b.write(payload.length >> 8);
    b.write(payload.length & 0xff);
    byte[] mask = {5, 6, 7, 8};
    b.writeBytes(mask);
    for (int i = 0; i < payload.length; i++) {
      b.write(payload[i] ^ mask[i % 4]);
    }
    return b.toByteArray();
  }

  /**
   * 32 MiB each way through one stream's tunnel, with flow control both ways: the client sends
   * only as its windows allow. First it gives back no window for the echoes, so the tunnel's
   * backend stops reading and the tunnel stops reading the stream (the client's own window
   * closes behind the frames that wait); then it reads on, and every echoed byte comes back, in
   * order.
   */
  @Test
  void megabytesBothWaysThroughAStreamTunnelUnderFlowControl() throws Exception {
    int messages = 8192;
    int size = 4096;
    MessageDigest expected = MessageDigest.getInstance("SHA-256");
    ByteArrayOutputStream upload = new ByteArrayOutputStream(messages * (size + 8));
    for (int m = 0; m < messages; m++) {
      byte[] payload = new byte[size];
      for (int i = 0; i < size; i++) {
        payload[i] = (byte) (m * 31 + i);
      }
      upload.writeBytes(binary(payload));
      // The server's echo: unmasked, the same payload.
      expected.update(new byte[] {(byte) 0x82, 126, (byte) (size >> 8), (byte) size});
      expected.update(payload);
    }
    byte[] toSend = upload.toByteArray();
    long echoLength = (long) messages * (size + 4);
    try (PythonWebSockets.Server server = PythonWebSockets.server("alpha");
        ProxyFixture f = ProxyFixture.inFrontOf(ProxySettings.defaults(), RetrySettings.DEFAULTS,
            server.port());
        RawH2 raw = new RawH2(f.address)) {
      raw.preface();
      RawH2.Windows windows = new RawH2.Windows(1);
      raw.headers(1, connect("/chat/echo"), false);
      RawH2.Frame head;
      while ((head = raw.read()) != null && head.type() != RawH2.HEADERS) {
        windows.read(head);
      }
      assertThat(head).isNotNull();
      assertThat(head.status()).isEqualTo("200");

      MessageDigest got = MessageDigest.getInstance("SHA-256");
      long received = 0;
      int sent = 0;
      // While holding, the echoes are read but no window is given back for them.
      boolean holding = true;
      long unreturned = 0;
      long lastSend = System.nanoTime();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      raw.timeout(20);
      while (received < echoLength && System.nanoTime() - deadline < 0) {
        long room = Math.min(windows.room(), toSend.length - sent);
        if (room > 0) {
          int n = (int) Math.min(room, 16_384);
          raw.data(1, Arrays.copyOfRange(toSend, sent, sent + n), false);
          windows.sent(n);
          sent += n;
          lastSend = System.nanoTime();
          continue;
        }
        if (holding && System.nanoTime() - lastSend > TimeUnit.SECONDS.toNanos(1)) {
          // Held back for a second: everything between the client and the backend is full.
          assertThat(sent).as("sent while the echoes were not read").isLessThan(toSend.length);
          holding = false;
          raw.windowUpdate(0, (int) unreturned);
          raw.windowUpdate(1, (int) unreturned);
        }
        RawH2.Frame fr;
        try {
          fr = raw.read();
        } catch (SocketTimeoutException e) {
          continue;
        }
        assertThat(fr).as("the connection stays open; echoed " + received).isNotNull();
        if (fr.type() == RawH2.DATA && fr.stream() == 1) {
          got.update(fr.payload());
          received += fr.payload().length;
          if (holding) {
            unreturned += fr.payload().length;
          } else if (fr.payload().length > 0) {
            // Read: the server may send as much again.
            raw.windowUpdate(0, fr.payload().length);
            raw.windowUpdate(1, fr.payload().length);
          }
        } else if (fr.type() == RawH2.RST_STREAM && fr.stream() == 1) {
          throw new AssertionError("stream reset after " + received + " echoed bytes");
        } else {
          windows.read(fr);
        }
      }
      assertThat(holding).isFalse();
      assertThat(sent).isEqualTo(toSend.length);
      assertThat(received).isEqualTo(echoLength);
      assertThat(got.digest()).isEqualTo(expected.digest());
      assertThat(f.proxy.tunnels().open()).isEqualTo(1);
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
