package io.ballast.proxy.tcp;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * Real TLS ClientHellos, as the JDK's TLS client writes them (its first flight), and the ways a
 * client may send one: in several TLS records, or claiming a length ballast does not read.
 * Stateless.
 */
public final class ClientHellos {
  private ClientHellos() {}

  /** The first bytes a JDK TLS client sends, asking for {@code serverName} (null: no SNI). */
  public static byte[] of(String serverName) throws Exception {
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, null, null);
    SSLEngine engine = tls.createSSLEngine();
    engine.setUseClientMode(true);
    SSLParameters p = engine.getSSLParameters();
    p.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
    engine.setSSLParameters(p);
    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.beginHandshake();
    engine.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    byte[] bytes = new byte[out.remaining()];
    out.get(bytes);
    if (bytes[0] != 0x16) {
      throw new IllegalStateException("not a handshake record: " + bytes[0]);
    }
    return bytes;
  }

  /**
   * The same ClientHello in {@code records} TLS records (a handshake message may be split across
   * records, RFC 8446 section 5.1), each with its own header.
   */
  public static byte[] inRecords(byte[] hello, int records) {
    byte[] body = Arrays.copyOfRange(hello, 5, hello.length);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int per = (body.length + records - 1) / records;
    for (int at = 0; at < body.length; at += per) {
      int n = Math.min(per, body.length - at);
      out.write(hello, 0, 3);
      out.write(n >>> 8);
      out.write(n & 0xff);
      out.write(body, at, n);
    }
    return out.toByteArray();
  }

  /**
   * A whole first record (6 bytes) of a ClientHello that claims to be {@code length} bytes long:
   * its handshake header and its first two bytes.
   */
  public static byte[] claiming(int length) {
    return new byte[] {0x16, 0x03, 0x01, 0x00, 0x06, 0x01,
        (byte) (length >>> 16), (byte) (length >>> 8), (byte) length, 0x03, 0x03};
  }
}
