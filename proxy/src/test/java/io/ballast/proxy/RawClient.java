package io.ballast.proxy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.x client on a plain socket, for what the JDK client hides: pipelined requests (all
 * written in one go), 1xx responses read one by one, responses cut short, and whether the
 * proxy closed the connection.
 */
final class RawClient implements AutoCloseable {
  /** One response as read; header names lower case, {@code complete} false when cut short. */
  record Response(int status, String head, Map<String, String> headers, String body,
      boolean complete) {
    String header(String name) {
      return headers.get(name);
    }
  }

  private final Socket socket;
  private final InputStream in;

  RawClient(InetSocketAddress proxy) throws IOException {
    this(proxy, 0);
  }

  /** A client whose socket receive buffer is {@code receiveBuffer} bytes (0: the default). */
  RawClient(InetSocketAddress proxy, int receiveBuffer) throws IOException {
    socket = new Socket();
    if (receiveBuffer > 0) {
      // Before connect, so that the window the peer sees is small from the start.
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(proxy, 5000);
    socket.setSoTimeout(5000);
    in = new BufferedInputStream(socket.getInputStream());
  }

  /** Writes every request in one write: more than one is a pipeline. */
  void send(String... requests) throws IOException {
    socket.getOutputStream().write(String.join("", requests).getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
  }

  /** Sends {@code raw} bytes as they are, in one write. */
  void send(byte[] raw) throws IOException {
    socket.getOutputStream().write(raw);
    socket.getOutputStream().flush();
  }

  /** Half-closes: the peer reads the end of the stream, this side can still read. */
  void shutdownOutput() throws IOException {
    socket.shutdownOutput();
  }

  /** The raw input, for a test that reads the body itself. */
  InputStream input() {
    return in;
  }

  /** The next response (a 1xx is one too), with its body unless it can have none. */
  Response read() throws IOException {
    return read(false);
  }

  /** The next response to a HEAD request: its head only, whatever Content-Length says. */
  Response readHead() throws IOException {
    return read(true);
  }

  private Response read(boolean headRequest) throws IOException {
    String head = readHeadOnly();
    String[] lines = head.split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
          lines[i].substring(colon + 1).trim());
    }
    if (headRequest || status < 200 || status == 204 || status == 304) {
      return new Response(status, head, headers, "", true);
    }
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      return chunked(status, head, headers);
    }
    String length = headers.get("content-length");
    if (length == null) {
      String body = readToClose();
      return new Response(status, head, headers, body, true);
    }
    byte[] body = in.readNBytes(Integer.parseInt(length));
    return new Response(status, head, headers, new String(body, StandardCharsets.ISO_8859_1),
        body.length == Integer.parseInt(length));
  }

  private Response chunked(int status, String head, Map<String, String> headers)
      throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (;;) {
      String sizeLine = line();
      if (sizeLine == null) {
        return new Response(status, head, headers, body.toString(StandardCharsets.ISO_8859_1),
            false);
      }
      int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
      if (size == 0) {
        String trailer;
        do {
          trailer = line();
        } while (trailer != null && !trailer.isEmpty());
        return new Response(status, head, headers, body.toString(StandardCharsets.ISO_8859_1),
            true);
      }
      byte[] chunk = in.readNBytes(size);
      body.write(chunk);
      if (chunk.length < size || line() == null) {
        return new Response(status, head, headers, body.toString(StandardCharsets.ISO_8859_1),
            false);
      }
    }
  }

  /** One CRLF-terminated line without its CRLF, or null at EOF. */
  private String line() throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        return b.toString().replace("\r", "");
      }
      b.append((char) c);
    }
    return null;
  }

  /** The next response head, CRLFs included; its body stays in {@link #input()}. */
  String readHeadOnly() throws IOException {
    StringBuilder head = new StringBuilder();
    while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("closed inside a response head: \"" + head + "\"");
      }
      head.append((char) c);
    }
    return head.toString();
  }

  /** Everything until the proxy closes; fails if it does not within the socket timeout. */
  String readToClose() throws IOException {
    return ProxyFixture.readToClose(in);
  }

  /** True when the proxy has closed the connection (EOF within the socket timeout). */
  boolean closedByPeer() throws IOException {
    try {
      return in.read() < 0;
    } catch (SocketException e) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
