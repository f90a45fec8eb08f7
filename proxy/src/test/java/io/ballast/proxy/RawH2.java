package io.ballast.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/2 client that writes frames byte by byte, for tests of what a broken or hostile client
 * may send: whatever order, size or flood the test asks for, with no client-side checks.
 * Headers are HPACK-encoded by Netty's encoder; everything else is hand-written frames
 * (RFC 9113 section 4.1: 3-byte length, type, flags, 31-bit stream id).
 */
final class RawH2 implements AutoCloseable {
  static final int DATA = 0;
  static final int HEADERS = 1;
  static final int RST_STREAM = 3;
  static final int SETTINGS = 4;
  static final int PING = 6;
  static final int GOAWAY = 7;
  static final int WINDOW_UPDATE = 8;
  static final int CONTINUATION = 9;
  static final int END_STREAM = 0x1;
  static final int ACK = 0x1;
  static final int END_HEADERS = 0x4;

  /** @param headers the decoded block of a HEADERS frame; null for other frames */
  record Frame(int type, int flags, int stream, byte[] payload, Http2Headers headers) {
    String status() {
      return headers == null ? null : String.valueOf(headers.status());
    }

    /** The error code of a RST_STREAM or GOAWAY frame. */
    int errorCode() {
      int at = type == GOAWAY ? 4 : 0;
      return ((payload[at] & 0xff) << 24) | ((payload[at + 1] & 0xff) << 16)
          | ((payload[at + 2] & 0xff) << 8) | (payload[at + 3] & 0xff);
    }

    String text() {
      return new String(payload, StandardCharsets.ISO_8859_1);
    }
  }

  /**
   * A client's send windows for one stream, as the server's SETTINGS and WINDOW_UPDATE frames
   * set them (RFC 9113 section 6.9).
   */
  static final class Windows {
    private final int stream;
    private long connectionWindow = 65_535;
    private long streamWindow = 65_535;

    Windows(int stream) {
      this.stream = stream;
    }

    /** What the server's frame {@code f} does to the windows. */
    void read(Frame f) {
      if (f.type() == SETTINGS && (f.flags() & ACK) == 0) {
        byte[] p = f.payload();
        for (int at = 0; at + 6 <= p.length; at += 6) {
          int id = (p[at] & 0xff) << 8 | p[at + 1] & 0xff;
          if (id == 4) { // SETTINGS_INITIAL_WINDOW_SIZE
            streamWindow += readInt(p, at + 2) - 65_535L;
          }
        }
      } else if (f.type() == WINDOW_UPDATE) {
        int increment = readInt(f.payload(), 0) & 0x7fffffff;
        if (f.stream() == 0) {
          connectionWindow += increment;
        } else if (f.stream() == stream) {
          streamWindow += increment;
        }
      }
    }

    /** Bytes of DATA the client may send now. */
    long room() {
      return Math.min(connectionWindow, streamWindow);
    }

    void sent(int n) {
      connectionWindow -= n;
      streamWindow -= n;
    }
  }

  static int readInt(byte[] b, int at) {
    return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8
        | b[at + 3] & 0xff;
  }

  private final Socket socket;
  private final OutputStream out;
  private final DataInputStream in;
  private final DefaultHttp2HeadersEncoder hpack = new DefaultHttp2HeadersEncoder();
  /** Decodes every HEADERS frame read, in order, so that the dynamic table stays in step. */
  private final DefaultHttp2HeadersDecoder unpack = new DefaultHttp2HeadersDecoder(false);

  RawH2(InetSocketAddress address) throws IOException {
    socket = new Socket(address.getAddress(), address.getPort());
    socket.setSoTimeout(10_000);
    socket.setTcpNoDelay(true);
    out = socket.getOutputStream();
    in = new DataInputStream(socket.getInputStream());
  }

  /** The connection preface and a SETTINGS frame with {@code settings} (id, value pairs). */
  RawH2 preface(int... settings) throws IOException {
    out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    settings(settings);
    return this;
  }

  void settings(int... pairs) throws IOException {
    byte[] p = new byte[pairs.length / 2 * 6];
    for (int i = 0; i < pairs.length; i += 2) {
      int at = i / 2 * 6;
      p[at] = (byte) (pairs[i] >> 8);
      p[at + 1] = (byte) pairs[i];
      int32(p, at + 2, pairs[i + 1]);
    }
    frame(SETTINGS, 0, 0, p);
  }

  static Http2Headers get(String path) {
    return new DefaultHttp2Headers().method("GET").scheme("http").authority("localhost")
        .path(path);
  }

  static Http2Headers post(String path) {
    return new DefaultHttp2Headers().method("POST").scheme("http").authority("localhost")
        .path(path);
  }

  /** The HPACK block of {@code headers}, encoded with this connection's dynamic table. */
  byte[] block(int stream, Http2Headers headers) {
    ByteBuf buf = Unpooled.buffer();
    try {
      hpack.encodeHeaders(stream, headers, buf);
      byte[] b = new byte[buf.readableBytes()];
      buf.readBytes(b);
      return b;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      buf.release();
    }
  }

  void headers(int stream, Http2Headers headers, boolean endStream) throws IOException {
    frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, block(stream, headers));
  }

  void data(int stream, byte[] bytes, boolean endStream) throws IOException {
    frame(DATA, endStream ? END_STREAM : 0, stream, bytes);
  }

  void rst(int stream, int code) throws IOException {
    byte[] p = new byte[4];
    int32(p, 0, code);
    frame(RST_STREAM, 0, stream, p);
  }

  void ping(long opaque) throws IOException {
    byte[] p = new byte[8];
    for (int i = 0; i < 8; i++) {
      p[i] = (byte) (opaque >>> (56 - 8 * i));
    }
    frame(PING, 0, 0, p);
  }

  void windowUpdate(int stream, int increment) throws IOException {
    byte[] p = new byte[4];
    int32(p, 0, increment);
    frame(WINDOW_UPDATE, 0, stream, p);
  }

  void frame(int type, int flags, int stream, byte[] payload) throws IOException {
    out.write(header(type, flags, stream, payload.length));
    out.write(payload);
    out.flush();
  }

  /** Writes without flushing, for floods. */
  static byte[] encode(int type, int flags, int stream, byte[] payload) {
    ByteArrayOutputStream b = new ByteArrayOutputStream(9 + payload.length);
    b.writeBytes(header(type, flags, stream, payload.length));
    b.writeBytes(payload);
    return b.toByteArray();
  }

  /** Writes {@code bytes} as they are; false when the server closed the connection meanwhile. */
  boolean write(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static byte[] header(int type, int flags, int stream, int length) {
    byte[] h = new byte[9];
    h[0] = (byte) (length >> 16);
    h[1] = (byte) (length >> 8);
    h[2] = (byte) length;
    h[3] = (byte) type;
    h[4] = (byte) flags;
    int32(h, 5, stream & 0x7fffffff);
    return h;
  }

  private static void int32(byte[] b, int at, int v) {
    b[at] = (byte) (v >> 24);
    b[at + 1] = (byte) (v >> 16);
    b[at + 2] = (byte) (v >> 8);
    b[at + 3] = (byte) v;
  }

  /** The next frame, or null when the server closed the connection. */
  Frame read() throws IOException {
    try {
      int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
      int type = in.readUnsignedByte();
      int flags = in.readUnsignedByte();
      int stream = in.readInt() & 0x7fffffff;
      byte[] payload = new byte[length];
      in.readFully(payload);
      Http2Headers headers = null;
      if (type == HEADERS) {
        headers = decode(stream, flags, payload);
      }
      return new Frame(type, flags, stream, payload, headers);
    } catch (EOFException | SocketException e) {
      return null;
    }
  }

  private Http2Headers decode(int stream, int flags, byte[] payload) {
    int from = 0;
    int to = payload.length;
    if ((flags & 0x8) != 0) { // PADDED
      to -= payload[0] & 0xff;
      from = 1;
    }
    if ((flags & 0x20) != 0) { // PRIORITY
      from += 5;
    }
    ByteBuf block = Unpooled.wrappedBuffer(payload, from, to - from);
    try {
      return unpack.decodeHeaders(stream, block);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      block.release();
    }
  }

  /** Reads until a frame of {@code type} (on any stream); null when the connection closed first. */
  Frame await(int type) throws IOException {
    Frame f;
    while ((f = read()) != null) {
      if (f.type() == type) {
        return f;
      }
    }
    return null;
  }

  /** Reads until a frame of {@code type} on {@code stream}; null when the connection closed. */
  Frame await(int type, int stream) throws IOException {
    Frame f;
    while ((f = read()) != null) {
      if (f.type() == type && f.stream() == stream) {
        return f;
      }
    }
    return null;
  }

  /**
   * Reads until {@code stream}'s answer: its response HEADERS or its RST_STREAM (other frames
   * skipped); null when the connection closed first.
   */
  Frame answer(int stream) throws IOException {
    Frame f;
    while ((f = read()) != null) {
      if (f.stream() == stream && (f.type() == HEADERS || f.type() == RST_STREAM)) {
        return f;
      }
    }
    return null;
  }

  /** True when the server closes the connection within the socket timeout (frames skipped). */
  boolean closedByServer() throws IOException {
    try {
      while (read() != null) {
        // skip
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  void timeout(int millis) throws SocketException {
    socket.setSoTimeout(millis);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
